// SPDX-License-Identifier: MIT
// signal_fd: signals become readable events on an fd (signalfd on Linux, a self-pipe
// elsewhere). While open the signals are blocked; spawn() gives children a clean mask.
#pragma once
#include <signal.h>

#include <initializer_list>

#include "svkit/unique_fd.hpp"

namespace svkit {

class SignalFd {
 public:
  SignalFd() noexcept = default;
  explicit SignalFd(std::initializer_list<int> signals);  // open(), throws std::system_error
  ~SignalFd();
  SignalFd(const SignalFd&) = delete;
  SignalFd& operator=(const SignalFd&) = delete;

  // Blocks SIGNALS and makes them readable on fd() (non-blocking, close-on-exec). False
  // with errno set (the mask is then unchanged). At most one open SignalFd per process.
  bool open(std::initializer_list<int> signals) noexcept;
  int fd() const noexcept { return fd_.get(); }
  // The next pending signal number; 0 when none is pending; -1 on error.
  int next() noexcept { return next_signal(fd_.get()); }
  static int next_signal(int fd) noexcept;

 private:
  sigset_t old_mask_;
  bool blocked_ = false;
  UniqueFd fd_;
#ifndef __linux__
  UniqueFd write_end_;
#endif
};

}  // namespace svkit
