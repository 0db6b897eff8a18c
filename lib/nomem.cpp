// SPDX-License-Identifier: MIT
// nomem: a new_handler that pauses instead of throwing std::bad_alloc. It allocates
// nothing itself (diag writes from a stack buffer).
#include "svkit/nomem.hpp"

#include <stdint.h>
#include <time.h>

#include <new>

#include "svkit/diag.hpp"

namespace svkit {
namespace {

unsigned g_pause_ms = 100;
int64_t g_said_ms = -1;

int64_t mono_ms() noexcept {
  struct timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void pause_nomem() {
  int64_t now = mono_ms();
  if (g_said_ms < 0 || now - g_said_ms >= 10000) {
    say({"pausing: out of memory."});
    g_said_ms = now;
  }
  struct timespec d = {static_cast<time_t>(g_pause_ms / 1000),
                       static_cast<long>(g_pause_ms % 1000) * 1000000L};
  while (::nanosleep(&d, &d) != 0) {
  }
}

}  // namespace

void pause_on_nomem(unsigned pause_ms) noexcept {
  g_pause_ms = pause_ms;
  std::set_new_handler(pause_nomem);
}

}  // namespace svkit
