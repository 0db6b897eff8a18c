// SPDX-License-Identifier: MIT
// inherited_fds: close_range(CLOSE_RANGE_CLOEXEC) where the kernel has it, else fcntl on
// each open fd below the usual limit (found with poll's POLLNVAL).
#include "svkit/inherited_fds.hpp"
#include "svkit/platform.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#if SVKIT_LINUX
#include <sys/syscall.h>
#endif

namespace svkit {

void cloexec_inherited() noexcept {
  for (int fd = 0; fd < 3; ++fd)
    if (::fcntl(fd, F_GETFD) < 0 && ::open("/dev/null", O_RDWR) < 0) break;
#if SVKIT_LINUX && defined(SYS_close_range)
  if (::syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) == 0) return;
#endif
  // Without close_range: find the open fds with poll(), which marks a closed one POLLNVAL,
  // a few hundred per call, and mark only those (not one fcntl per possible fd: with a
  // limit of 65536 that is most of a supervise's start-up).
  long max = ::sysconf(_SC_OPEN_MAX);
  if (max < 0 || max > 65536) max = 65536;
  constexpr int kChunk = 256;
  struct pollfd fds[kChunk];
  for (long base = 3; base < max; base += kChunk) {
    int n = static_cast<int>(max - base < kChunk ? max - base : kChunk);
    for (int i = 0; i < n; ++i) fds[i] = {static_cast<int>(base + i), 0, 0};
    if (::poll(fds, static_cast<nfds_t>(n), 0) < 0) {
      for (int i = 0; i < n; ++i) fds[i].revents = 0;  // unknown: look at each
    }
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents & POLLNVAL) continue;
      int fl = ::fcntl(fds[i].fd, F_GETFD);
      if (fl >= 0 && !(fl & FD_CLOEXEC)) ::fcntl(fds[i].fd, F_SETFD, fl | FD_CLOEXEC);
    }
  }
}

}  // namespace svkit
