// SPDX-License-Identifier: MIT
// unique_fd: pipes and fd flags.
#include "svkit/unique_fd.hpp"

#include <fcntl.h>

namespace svkit {

bool make_pipe(Pipe& out) noexcept {
  int p[2];
#ifdef __APPLE__
  if (::pipe(p) != 0) return false;
  set_cloexec(p[0]);
  set_cloexec(p[1]);
#else
  if (::pipe2(p, O_CLOEXEC) != 0) return false;
#endif
  out.read.reset(p[0]);
  out.write.reset(p[1]);
  return true;
}

bool set_nonblock(int fd, bool on) noexcept {
  int fl = ::fcntl(fd, F_GETFL);
  if (fl < 0) return false;
  int want = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
  return want == fl || ::fcntl(fd, F_SETFL, want) == 0;
}

bool set_cloexec(int fd, bool on) noexcept {
  int fl = ::fcntl(fd, F_GETFD);
  if (fl < 0) return false;
  int want = on ? (fl | FD_CLOEXEC) : (fl & ~FD_CLOEXEC);
  return want == fl || ::fcntl(fd, F_SETFD, want) == 0;
}

}  // namespace svkit
