// SPDX-License-Identifier: MIT
// signal_fd: signals become readable events on an fd (signalfd on Linux, a self-pipe
// elsewhere). While open the signals are blocked (Linux) or caught by a handler that writes
// the signal number into the pipe (POSIX-only builds); either way they never act by their
// default action, and spawn() gives children a clean mask and default handlers.
#pragma once
#include <signal.h>

#include <initializer_list>

#include "svkit/unique_fd.hpp"
#include "svkit/platform.hpp"

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
#if !SVKIT_LINUX
  UniqueFd write_end_;
  static constexpr int kMaxSignals = 8;
  int signals_[kMaxSignals] = {};
  struct sigaction old_actions_[kMaxSignals] = {};
  int n_signals_ = 0;
#endif
};

}  // namespace svkit
