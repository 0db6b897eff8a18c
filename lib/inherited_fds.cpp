// SPDX-License-Identifier: MIT
// inherited_fds: close_range(CLOSE_RANGE_CLOEXEC) where the kernel has it, else fcntl on
// each fd below the usual limit.
#include "svkit/inherited_fds.hpp"

#include <fcntl.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

namespace svkit {

void cloexec_inherited() noexcept {
  for (int fd = 0; fd < 3; ++fd)
    if (::fcntl(fd, F_GETFD) < 0 && ::open("/dev/null", O_RDWR) < 0) break;
#if defined(__linux__) && defined(SYS_close_range)
  if (::syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) == 0) return;
#endif
  long max = ::sysconf(_SC_OPEN_MAX);
  if (max < 0 || max > 65536) max = 65536;
  for (int fd = 3; fd < max; ++fd) {
    int fl = ::fcntl(fd, F_GETFD);
    if (fl >= 0 && !(fl & FD_CLOEXEC)) ::fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
  }
}

}  // namespace svkit
