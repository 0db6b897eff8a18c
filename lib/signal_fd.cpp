// SPDX-License-Identifier: MIT
// signal_fd: signalfd on Linux; a self-pipe fed by a handler elsewhere.
#include "svkit/signal_fd.hpp"

#include <errno.h>
#include <fcntl.h>

#include <system_error>
#ifdef __linux__
#include <sys/signalfd.h>
#endif

namespace svkit {

SignalFd::SignalFd(std::initializer_list<int> signals) {
  if (!open(signals)) throw std::system_error(errno, std::system_category(), "signal fd");
}

#ifdef __linux__
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
namespace {
int g_write_fd = -1;
void on_signal(int sig) {
  int e = errno;
  unsigned char b = static_cast<unsigned char>(sig);
  (void)!::write(g_write_fd, &b, 1);
  errno = e;
}
}  // namespace

bool SignalFd::open(std::initializer_list<int> signals) noexcept {
  Pipe p;
  if (!make_pipe(p) || !set_nonblock(p.read.get()) || !set_nonblock(p.write.get())) return false;
  fd_ = std::move(p.read);
  write_end_ = std::move(p.write);
  g_write_fd = write_end_.get();
  struct sigaction sa = {};
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (int s : signals) ::sigaction(s, &sa, nullptr);
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
#ifndef __linux__
  if (fd_) g_write_fd = -1;
#endif
  if (blocked_) ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
}

}  // namespace svkit
