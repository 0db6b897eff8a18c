// SPDX-License-Identifier: MIT
// signal_fd: signals become readable bytes on an fd: signalfd on Linux, the self-pipe in a
// POSIX-only build (the same tests run in both builds: scripts/posix-test).
#include "svkit/signal_fd.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "svkit/platform.hpp"

namespace {
volatile sig_atomic_t g_seen = 0;
void count(int) { g_seen = g_seen + 1; }
bool readable(int fd, int ms) {
  pollfd p = {fd, POLLIN, 0};
  return ::poll(&p, 1, ms) == 1;
}
}  // namespace

TEST_CASE("signal_fd: a signal is read as its number, once, none pending reads 0",
          "[signal][unit]") {
  svkit::SignalFd s;
  REQUIRE(s.open({SIGUSR1, SIGUSR2}));
  CHECK(s.next() == 0);
  REQUIRE(::kill(::getpid(), SIGUSR2) == 0);  // the default action would end this test
  REQUIRE(readable(s.fd(), 2000));
  CHECK(s.next() == SIGUSR2);
  CHECK(s.next() == 0);
  REQUIRE(::kill(::getpid(), SIGUSR1) == 0);
  REQUIRE(readable(s.fd(), 2000));
  CHECK(svkit::SignalFd::next_signal(s.fd()) == SIGUSR1);
}

TEST_CASE("signal_fd: closing it gives the signal back its earlier disposition",
          "[signal][unit]") {
  struct sigaction sa = {}, old = {};
  sa.sa_handler = count;
  sigemptyset(&sa.sa_mask);
  REQUIRE(::sigaction(SIGUSR1, &sa, &old) == 0);
  g_seen = 0;
  {
    svkit::SignalFd s{SIGUSR1};
    REQUIRE(::kill(::getpid(), SIGUSR1) == 0);
    REQUIRE(readable(s.fd(), 2000));
    CHECK(s.next() == SIGUSR1);
    CHECK(g_seen == 0);  // taken by the fd, not by the handler
  }
  REQUIRE(::kill(::getpid(), SIGUSR1) == 0);  // delivered at once (unblocked or handled)
  CHECK(g_seen == 1);
  ::sigaction(SIGUSR1, &old, nullptr);
}

TEST_CASE("signal_fd: a child gets default dispositions (TERM kills it)", "[signal][unit]") {
  svkit::SignalFd s{SIGTERM, SIGCHLD};
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // What svkit::spawn does before exec: default handlers, empty mask.
    ::signal(SIGTERM, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::alarm(30);  // bounded, whatever happens
    for (;;) ::pause();
  }
  REQUIRE(::kill(child, SIGTERM) == 0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGTERM);
  REQUIRE(readable(s.fd(), 2000));
  int sig = s.next();
  while (sig == SIGCHLD) sig = s.next();
  CHECK(sig == 0);  // the child's TERM never reached our fd
#if !SVKIT_LINUX
  // The self-pipe's handler in a child that has not reset it yet acts as SIG_DFL would.
  pid_t early = ::fork();
  REQUIRE(early >= 0);
  if (early == 0) {
    ::alarm(30);
    for (;;) ::pause();
  }
  REQUIRE(::kill(early, SIGTERM) == 0);
  REQUIRE(::waitpid(early, &status, 0) == early);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGTERM);
  while ((sig = s.next()) == SIGCHLD) {
  }
  CHECK(sig == 0);
#endif
}
