// SPDX-License-Identifier: MIT
// unique_fd: owns one file descriptor and closes it exactly once.
#pragma once
#include <unistd.h>

#include <utility>

namespace svkit {

class UniqueFd {
 public:
  UniqueFd() noexcept = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

// A close-on-exec pipe. Returns false with errno set on failure.
bool make_pipe(Pipe& out) noexcept;
// Sets or clears O_NONBLOCK / FD_CLOEXEC. Return false with errno set on failure.
bool set_nonblock(int fd, bool on = true) noexcept;
bool set_cloexec(int fd, bool on = true) noexcept;

}  // namespace svkit
