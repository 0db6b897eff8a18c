// SPDX-License-Identifier: MIT
// process_start: a process's start time without /proc (the POSIX-only build's adoption
// identity), here through `ps` as on a BSD; built and run in both builds.
#include "svkit/process_start.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

namespace {

// A child that waits (at most 30 s) to be killed.
pid_t pausing_child() {
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::alarm(30);
    for (;;) ::pause();
  }
  return child;
}

// Kills CHILD and waits until it is a zombie (not reaped).
void make_zombie(pid_t child) {
  REQUIRE(::kill(child, SIGKILL) == 0);
  siginfo_t info;
  REQUIRE(::waitid(P_PID, child, &info, WEXITED | WNOWAIT) == 0);
}

}  // namespace

TEST_CASE("process_start: ps's stat and lstart columns become seconds since the epoch",
          "[adopt][unit]") {
  using svkit::parse_ps_start;
  CHECK(parse_ps_start("S    Wed Nov 25 19:50:15 2026\n") == 1795636215u);
  CHECK(parse_ps_start("Ss+  Thu Jan  1 00:00:01 1970") == 1u);
  CHECK(parse_ps_start("R    Thu Feb 29 12:00:00 2024") == 1709208000u);
  CHECK(parse_ps_start("S    Sun Dec 31 23:59:59 2000") == 978307199u);
  CHECK(parse_ps_start("Z    Wed Nov 25 19:50:15 2026\n") == 0u);  // a zombie
  CHECK(parse_ps_start("") == 0u);
  CHECK(parse_ps_start("S    Wed Foo 25 19:50:15 2026\n") == 0u);
  CHECK(parse_ps_start("S    Wed Nov 25 19:50 2026\n") == 0u);
  CHECK(parse_ps_start("S    Wed Nov 25 24:50:15 2026\n") == 0u);
  CHECK(parse_ps_start("S    Wed Nov xx 19:50:15 2026\n") == 0u);
}

TEST_CASE("process_start: a living process has a stable start time, gone or zombie: 0",
          "[adopt][unit]") {
  uint64_t me = svkit::portable_start_time(::getpid());
  CHECK(me > 1000000000u);
  CHECK(svkit::portable_start_time(::getpid()) == me);
  pid_t child = pausing_child();
  uint64_t recorded = svkit::child_start_time(child);  // what supervise records
  CHECK(svkit::same_start(svkit::portable_start_time(child), recorded));
  CHECK(svkit::portable_start_time(child) >= me);
  make_zombie(child);  // a zombie now
  CHECK(svkit::portable_start_time(child) == 0u);
  REQUIRE(::waitpid(child, nullptr, 0) == child);
  CHECK(svkit::portable_start_time(child) == 0u);
  CHECK(svkit::portable_start_time(0) == 0u);
  CHECK(svkit::portable_start_time(-1) == 0u);
}

TEST_CASE("process_start: same_start: equal, or within the slack where ps is the source",
          "[adopt][unit]") {
  CHECK(svkit::same_start(100, 100));
  CHECK_FALSE(svkit::same_start(0, 0));
  CHECK_FALSE(svkit::same_start(100, 0));
#if !defined(__APPLE__)
  CHECK(svkit::same_start(100, 100 + svkit::kStartSlack));
  CHECK(svkit::same_start(100 + svkit::kStartSlack, 100));
  CHECK_FALSE(svkit::same_start(100, 101 + svkit::kStartSlack));
#endif
}

TEST_CASE("process_start: the look-up says known for a living, zombie or gone process",
          "[adopt][unit]") {
  uint64_t v = 0;
  CHECK(svkit::portable_start_lookup(::getpid(), v));
  CHECK(v == svkit::portable_start_time(::getpid()));
  pid_t child = pausing_child();
  make_zombie(child);  // a zombie: known, 0
  v = 1;
  CHECK(svkit::portable_start_lookup(child, v));
  CHECK(v == 0u);
  REQUIRE(::waitpid(child, nullptr, 0) == child);  // gone (ps -p exits 1): known, 0
  v = 1;
  CHECK(svkit::portable_start_lookup(child, v));
  CHECK(v == 0u);
}
