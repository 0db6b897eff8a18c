// SPDX-License-Identifier: MIT
// fault-probe: linked with the shim exactly as the -faulty daemons are; proves the wraps
// reach libstdc++ and glibc. It prints one line per check, in write(2) only:
//   new <ok|bad_alloc>, string <ok|bad_alloc>, strdup <ok|ENOMEM|fail>, malloc <...>,
//   then the wall clock as seen by time(), gettimeofday(), clock_gettime(REALTIME),
//   std::chrono::system_clock, and CLOCK_MONOTONIC, in seconds.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <new>
#include <string>

namespace {

void out(const char* key, const char* val) {
  char line[128];
  size_t n = 0;
  for (const char* p = key; *p && n < 60; ++p) line[n++] = *p;
  line[n++] = ' ';
  for (const char* p = val; *p && n < 120; ++p) line[n++] = *p;
  line[n++] = '\n';
  (void)!::write(1, line, n);
}

void out_num(const char* key, long long v) {
  char buf[32];
  char* p = buf + sizeof buf - 1;
  *p = 0;
  bool neg = v < 0;
  unsigned long long u = neg ? 0ULL - static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v);
  do *--p = static_cast<char>('0' + u % 10); while (u /= 10);
  if (neg) *--p = '-';
  out(key, p);
}

}  // namespace

int main() {
  // Two tries each: with every 2nd allocation failing, one of the two fails.
  const char* r = "ok";
  for (int i = 0; i < 2; ++i) {
    try {
      char* volatile p = new char[64];
      delete[] p;
    } catch (const std::bad_alloc&) {
      r = "bad_alloc";
    }
  }
  out("new", r);
  r = "ok";
  for (int i = 0; i < 2; ++i) {
    try {
      std::string s(1000, 'x');
      if (s.size() != 1000) r = "wrong";
    } catch (const std::bad_alloc&) {
      r = "bad_alloc";
    }
  }
  out("string", r);
  r = "ok";
  for (int i = 0; i < 2; ++i) {
    errno = 0;
    char* d = ::strdup("probe");
    if (!d) r = errno == ENOMEM ? "ENOMEM" : "fail";
    ::free(d);
  }
  out("strdup", r);
  r = "ok";
  for (int i = 0; i < 2; ++i) {
    void* m = ::malloc(32);
    if (!m) r = errno == ENOMEM ? "ENOMEM" : "fail";
    ::free(m);
  }
  out("malloc", r);
  out_num("time", static_cast<long long>(::time(nullptr)));
  struct timeval tv;
  ::gettimeofday(&tv, nullptr);
  out_num("gettimeofday", tv.tv_sec);
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  out_num("realtime", ts.tv_sec);
  out_num("system_clock", std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch()).count());
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  out_num("monotonic", ts.tv_sec);
  return 0;
}
