// SPDX-License-Identifier: MIT
// read_file: read(2) in 4 KiB steps, retried on EINTR.
#include "svkit/read_file.hpp"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "svkit/unique_fd.hpp"

namespace svkit {

bool read_all(int fd, std::string& out) {
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    out.append(buf, static_cast<size_t>(n));
  }
}

bool read_file_at(int dirfd, const char* name, std::string& out) {
  out.clear();
  UniqueFd fd(::openat(dirfd, name, O_RDONLY | O_CLOEXEC));
  if (!fd) return false;
  if (read_all(fd.get(), out)) return true;
  int e = errno;  // close() must not hide why the read failed
  fd.reset();
  errno = e;
  return false;
}

}  // namespace svkit
