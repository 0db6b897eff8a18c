// SPDX-License-Identifier: MIT
// Catch2's main, compiled once (it is the slowest translation unit of the tests). A run
// that passed but lacked an anchor (runit, daemontools, s6, root: harness require()) exits
// 77, which ctest reports as Skipped (SKIP_RETURN_CODE); a failing run keeps its code.
//
// On Linux the tests run in a child of this process, which is its subreaper: whatever a
// test leaves behind (a test binary killed by an abort never runs its destructors, so its
// svscan and services would live on) is reparented here and killed when the tests end.
// A passing run that left processes behind fails under CI=true (warns otherwise).
// SVKIT_TEST_NO_REAPER=1 runs the tests in this process (for a debugger).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#ifdef __linux__
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>
#endif

namespace svkit::test {
int missing_requirements();  // tests/harness.cpp
}

namespace {

int run_tests(int argc, char* argv[]) {
  int rc = Catch::Session().run(argc, argv);
  constexpr int kSkipped = 77;  // harness.hpp kSkippedExitCode
  if (rc == kSkipped) return kSkipped + 1;  // a failure count that happens to be 77
  if (rc == 0 && svkit::test::missing_requirements() > 0) return kSkipped;
  return rc;
}

#ifdef __linux__
pid_t g_child = 0;

void forward(int sig) {
  if (g_child > 0) ::kill(g_child, sig);
}

std::vector<pid_t> my_children() {
  std::vector<pid_t> out;
  std::ifstream in("/proc/self/task/" + std::to_string(::getpid()) + "/children");
  long pid;
  while (in >> pid) out.push_back(static_cast<pid_t>(pid));
  return out;
}

// Kills and reaps every process reparented here; the number killed. Processes on their
// way out (a test's helpers that exit when it closes their pipe) get two seconds first.
int kill_leftovers() {
  for (int i = 0; i < 200; ++i) {
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    if (my_children().empty()) return 0;
    struct timespec step = {0, 10 * 1000 * 1000};
    ::nanosleep(&step, nullptr);
  }
  int killed = 0;
  for (int round = 0; round < 200; ++round) {
    auto kids = my_children();
    if (kids.empty()) break;
    for (pid_t p : kids) {
      std::ifstream in("/proc/" + std::to_string(p) + "/cmdline");
      std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      for (char& ch : cmd)
        if (ch == '\0') ch = ' ';
      if (::kill(p, SIGKILL) == 0) {
        ++killed;
        fprintf(stderr, "left behind: pid %d: %s\n", static_cast<int>(p), cmd.c_str());
      }
    }
    for (size_t i = 0; i < kids.size(); ++i) {
      if (::waitpid(-1, nullptr, 0) < 0 && errno == ECHILD) break;
    }
  }
  while (::waitpid(-1, nullptr, WNOHANG) > 0) {
  }
  return killed;
}

int run_reaped(int argc, char* argv[]) {
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) return run_tests(argc, argv);
  fflush(nullptr);
  g_child = ::fork();
  if (g_child < 0) return run_tests(argc, argv);
  if (g_child == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
    return run_tests(argc, argv);
  }
  struct sigaction sa = {};
  sa.sa_handler = forward;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) ::sigaction(sig, &sa, nullptr);
  int status = 0;
  for (;;) {  // reap orphans while the tests run; stop when the test process ends
    pid_t p = ::waitpid(-1, &status, 0);
    if (p == g_child) break;
    if (p < 0 && errno != EINTR) return 1;
  }
  int killed = kill_leftovers();
  int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (killed > 0) {
    const char* ci = getenv("CI");
    bool under_ci = ci && *ci && strcmp(ci, "0") != 0 && strcmp(ci, "false") != 0;
    fprintf(stderr, "%s: %d process(es) left behind by the tests were killed\n",
            under_ci && rc == 0 ? "FAILED" : "warning", killed);
    if (under_ci && (rc == 0 || rc == 77)) rc = 1;
  }
  return rc;
}
#endif

}  // namespace

int main(int argc, char* argv[]) {
#ifdef __linux__
  const char* off = getenv("SVKIT_TEST_NO_REAPER");
  if (!(off && *off && strcmp(off, "0") != 0)) return run_reaped(argc, argv);
#endif
  return run_tests(argc, argv);
}
