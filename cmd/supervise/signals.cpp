// SPDX-License-Identifier: MIT
// signals: signalfd on Linux, svkit::SignalFd (a self-pipe) elsewhere.
#include "signals.hpp"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/signalfd.h>

namespace supervise {

int open_signals() noexcept {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (::sigprocmask(SIG_BLOCK, &set, nullptr) != 0) return -1;  // spawn() unblocks in children
  return ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int next_signal(int fd) noexcept {
  struct signalfd_siginfo info;
  ssize_t n;
  do n = ::read(fd, &info, sizeof info); while (n < 0 && errno == EINTR);
  if (n == sizeof info) return static_cast<int>(info.ssi_signo);
  return n < 0 && errno == EAGAIN ? 0 : -1;
}

}  // namespace supervise
#else
#include <system_error>

#include "svkit/signal_fd.hpp"

namespace supervise {
namespace {
svkit::SignalFd* g_signals = nullptr;
}

int open_signals() noexcept {
  try {
    g_signals = new svkit::SignalFd{SIGCHLD, SIGTERM, SIGINT};
    return g_signals->fd();
  } catch (const std::system_error& e) {
    errno = e.code().value();
    return -1;
  }
}

int next_signal(int) noexcept { return g_signals->next(); }

}  // namespace supervise
#endif
