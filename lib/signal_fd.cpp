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

#ifdef __linux__
SignalFd::SignalFd(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : signals) sigaddset(&set, s);
  if (::sigprocmask(SIG_BLOCK, &set, &old_mask_) != 0)
    throw std::system_error(errno, std::system_category(), "sigprocmask");
  fd_.reset(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!fd_) {
    int e = errno;
    ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
    throw std::system_error(e, std::system_category(), "signalfd");
  }
}

SignalFd::~SignalFd() { ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr); }

int SignalFd::next() noexcept {
  struct signalfd_siginfo info;
  ssize_t n;
  do n = ::read(fd_.get(), &info, sizeof info); while (n < 0 && errno == EINTR);
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

SignalFd::SignalFd(std::initializer_list<int> signals) {
  Pipe p;
  if (!make_pipe(p)) throw std::system_error(errno, std::system_category(), "pipe");
  set_nonblock(p.read.get());
  set_nonblock(p.write.get());
  fd_ = std::move(p.read);
  write_end_ = std::move(p.write);
  g_write_fd = write_end_.get();
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_BLOCK, &none, &old_mask_);
  struct sigaction sa = {};
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (int s : signals) ::sigaction(s, &sa, nullptr);
}

SignalFd::~SignalFd() { g_write_fd = -1; }

int SignalFd::next() noexcept {
  unsigned char b;
  ssize_t n;
  do n = ::read(fd_.get(), &b, 1); while (n < 0 && errno == EINTR);
  if (n == 1) return b;
  if (n < 0 && errno == EAGAIN) return 0;
  return -1;
}
#endif

}  // namespace svkit
