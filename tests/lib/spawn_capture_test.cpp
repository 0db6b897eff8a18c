// SPDX-License-Identifier: MIT
// capture(): a short helper's output, bounded in time and size, never left running.
#include <catch2/catch.hpp>

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "svkit/spawn.hpp"

namespace {

struct Sh {
  char a0[3] = "sh", a1[3] = "-c";
  std::string script;
  char* argv[4] = {a0, a1, nullptr, nullptr};
  svkit::SpawnSpec spec;
  explicit Sh(std::string s) : script(std::move(s)) {
    argv[2] = &script[0];
    spec.path = "/bin/sh";
    spec.argv = argv;
  }
};

double now_s() {
  struct timespec t;
  ::clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

bool gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

}  // namespace

TEST_CASE("capture: the helper's output and exit status", "[spawn][unit]") {
  Sh sh("printf 'one\\ntwo\\n'; exit 3");
  svkit::Captured c;
  REQUIRE(svkit::capture(sh.spec, 5000, 1024, c));
  CHECK(c.out == "one\ntwo\n");
  REQUIRE(WIFEXITED(c.status));
  CHECK(WEXITSTATUS(c.status) == 3);
  CHECK(c.pid > 0);
  CHECK(gone(c.pid));  // reaped
}

TEST_CASE("capture: a helper past its deadline is killed and reaped, false", "[spawn][unit]") {
  for (const char* script : {"echo partial; exec sleep 30",            // holds the pipe
                             "echo partial; exec >&-; exec sleep 30"}) {  // closed it, lingers
    INFO(script);
    Sh sh(script);
    svkit::Captured c;
    double t0 = now_s();
    CHECK_FALSE(svkit::capture(sh.spec, 300, 1024, c));
    double took = now_s() - t0;
    CHECK(took >= 0.3);
    CHECK(took < 5);
    CHECK(gone(c.pid));
    CHECK(WIFSIGNALED(c.status));
  }
}

TEST_CASE("capture: output past the size bound stops the helper, false", "[spawn][unit]") {
  Sh sh("exec yes");
  svkit::Captured c;
  CHECK_FALSE(svkit::capture(sh.spec, 5000, 1 << 16, c));
  CHECK(gone(c.pid));
}

TEST_CASE("capture: a program that cannot be started is false, with no child",
          "[spawn][unit]") {
  Sh sh("true");
  sh.spec.path = "/nonexistent/svkit-capture";
  svkit::Captured c;
  CHECK_FALSE(svkit::capture(sh.spec, 1000, 1024, c));
  CHECK(c.pid < 0);
}
