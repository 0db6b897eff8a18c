// SPDX-License-Identifier: MIT
// signal_fd: signalfd on Linux; a self-pipe fed by a handler in POSIX-only builds.
#include "svkit/signal_fd.hpp"
#include "svkit/platform.hpp"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <system_error>
#if SVKIT_LINUX
#include <sys/signalfd.h>
#endif

namespace svkit {

SignalFd::SignalFd(std::initializer_list<int> signals) {
  if (!open(signals)) throw std::system_error(errno, std::system_category(), "signal fd");
}

#if SVKIT_LINUX
bool SignalFd::open(std::initializer_list<int> signals) noexcept {
  sigset_t set;
  sigemptyset(&set);
  for (int s : signals) sigaddset(&set, s);
  if (::sigprocmask(SIG_BLOCK, &set, &old_mask_) != 0) return false;
  fd_.reset(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!fd_) {
    int e = errno;
    ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
    errno = e;
    return false;
  }
  blocked_ = true;
  return true;
}

int SignalFd::next_signal(int fd) noexcept {
  struct signalfd_siginfo info;
  ssize_t n;
  do n = ::read(fd, &info, sizeof info); while (n < 0 && errno == EINTR);
  if (n == sizeof info) return static_cast<int>(info.ssi_signo);
  if (n < 0 && errno == EAGAIN) return 0;
  return -1;
}
#else
// The self-pipe: the handler writes the signal's number (one byte) into a non-blocking
// pipe; a full pipe drops the byte, which only merges repeats of pending signals (the
// callers drain children with waitpid(-1) and treat each signal as level, not count).
namespace {
volatile sig_atomic_t g_write_fd = -1;
volatile sig_atomic_t g_owner = 0;  // the process that opened the pipe
void on_signal(int sig) {
  int e = errno;
  if (::getpid() != static_cast<pid_t>(g_owner)) {
    // A child between fork() and its exec (spawn resets the handlers only then): the
    // signal was meant for it, so act as the default action would after the exec.
    ::signal(sig, SIG_DFL);
    ::raise(sig);
    errno = e;
    return;
  }
  unsigned char b = static_cast<unsigned char>(sig);
  if (g_write_fd >= 0) (void)!::write(g_write_fd, &b, 1);
  errno = e;
}
}  // namespace

bool SignalFd::open(std::initializer_list<int> signals) noexcept {
  if (signals.size() > kMaxSignals) {
    errno = EINVAL;
    return false;
  }
  Pipe p;
  if (!make_pipe(p) || !set_nonblock(p.read.get()) || !set_nonblock(p.write.get())) return false;
  fd_ = std::move(p.read);
  write_end_ = std::move(p.write);
  g_owner = ::getpid();
  g_write_fd = write_end_.get();
  struct sigaction sa = {};
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;  // poll() and nanosleep() still return EINTR, as they must
  sigemptyset(&sa.sa_mask);
  for (int s : signals) sigaddset(&sa.sa_mask, s);  // one handler at a time
  n_signals_ = 0;
  for (int s : signals) {
    if (::sigaction(s, &sa, &old_actions_[n_signals_]) != 0) {
      int e = errno;
      for (int i = 0; i < n_signals_; ++i) ::sigaction(signals_[i], &old_actions_[i], nullptr);
      n_signals_ = 0;
      g_write_fd = -1;
      fd_.reset();
      write_end_.reset();
      errno = e;
      return false;
    }
    signals_[n_signals_++] = s;
  }
  return true;
}

int SignalFd::next_signal(int fd) noexcept {
  unsigned char b;
  ssize_t n;
  do n = ::read(fd, &b, 1); while (n < 0 && errno == EINTR);
  if (n == 1) return b;
  if (n < 0 && errno == EAGAIN) return 0;
  return -1;
}
#endif

SignalFd::~SignalFd() {
#if !SVKIT_LINUX
  for (int i = 0; i < n_signals_; ++i) ::sigaction(signals_[i], &old_actions_[i], nullptr);
  if (fd_) g_write_fd = -1;
#endif
  if (blocked_) ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
}

}  // namespace svkit
