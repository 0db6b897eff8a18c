// SPDX-License-Identifier: MIT
// signal_fd: signals become readable events on an fd (signalfd on Linux, a self-pipe
// elsewhere). While alive the signals are blocked; spawn() gives children a clean mask.
#pragma once
#include <signal.h>

#include <initializer_list>

#include "svkit/unique_fd.hpp"

namespace svkit {

class SignalFd {
 public:
  explicit SignalFd(std::initializer_list<int> signals);  // throws std::system_error
  ~SignalFd();
  SignalFd(const SignalFd&) = delete;
  SignalFd& operator=(const SignalFd&) = delete;

  int fd() const noexcept { return fd_.get(); }
  // The next pending signal number; 0 when none is pending; -1 on error.
  int next() noexcept;

 private:
  sigset_t old_mask_;
  UniqueFd fd_;
#ifndef __linux__
  UniqueFd write_end_;
#endif
};

}  // namespace svkit
