// SPDX-License-Identifier: MIT
// fifo: creating, holding, probing and writing the supervise FIFOs.
#include "svkit/fifo.hpp"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "svkit/paths.hpp"

namespace svkit {

bool make_fifo(int dirfd, const char* name) noexcept {
  struct stat st;
  if (::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISFIFO(st.st_mode)) return true;
    errno = EEXIST;
    return false;
  }
  if (errno != ENOENT) return false;
  if (::mkfifoat(dirfd, name, 0600) != 0) return errno == EEXIST;
  return ::fchmodat(dirfd, name, 0600, 0) == 0;  // whatever the umask
}

UniqueFd open_fifo_reader(int dirfd, const char* name) noexcept {
  return UniqueFd(::openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC));
}

namespace {
// DIR/FILE in a stack buffer: these are noexcept and run where memory may be short
// (svscan probes every new service; an allocation failure here was std::terminate).
// False (ENAMETOOLONG) when it does not fit.
bool join(char (&out)[PATH_MAX], const std::string& dir, const char* file) noexcept {
  size_t n = strlen(file);
  if (dir.size() + 1 + n + 1 > sizeof out) {
    errno = ENAMETOOLONG;
    return false;
  }
  memcpy(out, dir.data(), dir.size());
  out[dir.size()] = '/';
  memcpy(out + dir.size() + 1, file, n + 1);
  return true;
}
}  // namespace

Probe probe_supervisor(const std::string& service_dir) noexcept {
  char path[PATH_MAX];
  if (!join(path, service_dir, kOkFifo)) return Probe::error;
  UniqueFd fd(::open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  if (fd) return Probe::yes;
  if (errno == ENXIO) return Probe::no;
  if (errno == ENOENT) return Probe::missing;
  return Probe::error;
}

SendResult send_control(const std::string& service_dir, std::string_view bytes) noexcept {
  char path[PATH_MAX];
  if (!join(path, service_dir, kControlFifo)) return SendResult::error;
  UniqueFd fd(::open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return errno == ENXIO ? SendResult::not_supervised : SendResult::error;
  ssize_t n;
  do n = ::write(fd.get(), bytes.data(), bytes.size()); while (n < 0 && errno == EINTR);
  if (n < 0) return SendResult::error;
  if (static_cast<size_t>(n) != bytes.size()) {
    errno = EAGAIN;
    return SendResult::error;
  }
  return SendResult::sent;
}

}  // namespace svkit
