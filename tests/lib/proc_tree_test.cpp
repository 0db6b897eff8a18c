// SPDX-License-Identifier: MIT
// proc_tree with real processes: the test forks a small tree (a child, its children, a
// grandchild that double-forked away from it is NOT below us, one that setsid()s is), each
// member blocks on a pipe and exits when the test closes it (or dies): nothing outlives it.
#include <catch2/catch.hpp>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "svkit/platform.hpp"
#include "svkit/proc_tree.hpp"

namespace {

// ps prints CPU time in whole seconds: the POSIX path needs a longer spin.
constexpr double kSpin = SVKIT_LINUX ? 0.3 : 1.2;
constexpr double kSpinSeen = SVKIT_LINUX ? 0.2 : 1.0;

// Blocks until the write end of FD's pipe is closed everywhere, then _exit(0).
[[noreturn]] void wait_and_exit(int fd) {
  char c;
  while (::read(fd, &c, 1) < 0 && errno == EINTR) {
  }
  _exit(0);
}

// Tells the parent (one byte on READY) that this process is in place.
void say_ready(int ready) { (void)!::write(ready, "x", 1); }

void wait_ready(int ready, int n) {
  for (int i = 0; i < n; ++i) {
    char c;
    ssize_t r;
    while ((r = ::read(ready, &c, 1)) < 0 && errno == EINTR) {
    }
    REQUIRE(r == 1);
  }
}

struct Tree {
  int hold[2] = {-1, -1};   // members block on hold[0]; the test closes hold[1]
  int ready[2] = {-1, -1};  // members write one byte each when in place
  pid_t root = -1;
  Tree() {
    REQUIRE(::pipe(hold) == 0);
    REQUIRE(::pipe(ready) == 0);
  }
  ~Tree() {
    if (hold[1] >= 0) ::close(hold[1]);
    if (root > 0) {
      ::kill(root, SIGKILL);
      ::waitpid(root, nullptr, 0);
    }
    ::close(hold[0]);
    ::close(ready[0]);
    ::close(ready[1]);
  }
};

// root -> a -> a1, root -> b (a1 calls setsid() when SETSID): 4 processes below the test,
// 3 below root, each blocked until the test closes the hold pipe. Returns once all are in place.
void fork_small_tree(Tree& t, bool setsid) {
  t.root = ::fork();
  REQUIRE(t.root >= 0);
  if (t.root == 0) {
    ::close(t.hold[1]);
    if (::fork() == 0) {  // a
      if (::fork() == 0) {  // a1
        if (setsid) ::setsid();
        say_ready(t.ready[1]);
        wait_and_exit(t.hold[0]);
      }
      say_ready(t.ready[1]);
      wait_and_exit(t.hold[0]);
    }
    if (::fork() == 0) {  // b
      say_ready(t.ready[1]);
      wait_and_exit(t.hold[0]);
    }
    say_ready(t.ready[1]);
    wait_and_exit(t.hold[0]);
  }
  wait_ready(t.ready[0], 4);
}

double cpu_now() {
  struct timespec t;
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

}  // namespace

TEST_CASE("proc_tree: descendants lists a forked tree depth-first, root excluded",
          "[proc_tree][unit]") {
  Tree t;
  fork_small_tree(t, true);  // root -> a -> a1 (setsid), root -> b
  std::vector<pid_t> d = svkit::descendants(t.root);
  CHECK(d.size() == 3);
  CHECK(std::find(d.begin(), d.end(), t.root) == d.end());
  // Depth-first: a's child follows a directly.
  std::vector<pid_t> mine = svkit::descendants(::getpid());
  CHECK(std::find(mine.begin(), mine.end(), t.root) != mine.end());
  CHECK(mine.size() >= 4);
  auto u = svkit::tree_usage(t.root);
  REQUIRE(u);
  CHECK(u->processes == 3);
  CHECK(u->rss_bytes > 0);
}

TEST_CASE("proc_tree: a double-forked orphan leaves the tree", "[proc_tree][unit]") {
  Tree t;
  t.root = ::fork();
  REQUIRE(t.root >= 0);
  if (t.root == 0) {
    ::close(t.hold[1]);
    pid_t a = ::fork();
    if (a == 0) {
      if (::fork() == 0) {
        say_ready(t.ready[1]);
        wait_and_exit(t.hold[0]);
      }
      _exit(0);  // the grandchild is reparented to init (or a subreaper above us)
    }
    ::waitpid(a, nullptr, 0);
    say_ready(t.ready[1]);
    wait_and_exit(t.hold[0]);
  }
  wait_ready(t.ready[0], 2);
  CHECK(svkit::descendants(t.root).empty());
  auto u = svkit::tree_usage(t.root);
  REQUIRE(u);
  CHECK(u->processes == 0);
  CHECK(u->rss_bytes == 0);
}

TEST_CASE("proc_tree: resident memory and CPU time of the tree are summed",
          "[proc_tree][unit]") {
  Tree t;
  constexpr size_t kMiB = 1 << 20;
  t.root = ::fork();
  REQUIRE(t.root >= 0);
  if (t.root == 0) {
    ::close(t.hold[1]);
    if (::fork() == 0) {
      // 32 MiB touched, then kSpin s of CPU.
      volatile char* p = static_cast<volatile char*>(::malloc(32 * kMiB));
      if (!p) _exit(1);
      for (size_t i = 0; i < 32 * kMiB; i += 4096) p[i] = 1;  // volatile: not elided
      double start = cpu_now();
      volatile unsigned x = 0;
      while (cpu_now() - start < kSpin) ++x;
      say_ready(t.ready[1]);
      wait_and_exit(t.hold[0]);
    }
    say_ready(t.ready[1]);
    wait_and_exit(t.hold[0]);
  }
  wait_ready(t.ready[0], 2);
  auto u = svkit::tree_usage(t.root);
  REQUIRE(u);
  CHECK(u->processes == 1);
  CHECK(u->rss_bytes >= 32 * kMiB);
  CHECK(u->rss_bytes < 256 * kMiB);
  CHECK(u->cpu_seconds >= kSpinSeen);
  CHECK(u->cpu_seconds < 30);
}

TEST_CASE("proc_tree: a process that does not exist has no usage", "[proc_tree][unit]") {
  pid_t gone = ::fork();
  REQUIRE(gone >= 0);
  if (gone == 0) _exit(0);
  REQUIRE(::waitpid(gone, nullptr, 0) == gone);
  CHECK_FALSE(svkit::tree_usage(gone));
  CHECK(svkit::descendants(gone).empty());
  CHECK_FALSE(svkit::tree_usage(0));
  CHECK_FALSE(svkit::tree_usage(-1));
}

TEST_CASE("proc_tree: 200 children are all found", "[proc_tree][unit]") {
  Tree t;
  t.root = ::fork();
  REQUIRE(t.root >= 0);
  if (t.root == 0) {
    ::close(t.hold[1]);
    for (int i = 0; i < 200; ++i)
      if (::fork() == 0) wait_and_exit(t.hold[0]);
    say_ready(t.ready[1]);
    wait_and_exit(t.hold[0]);
  }
  wait_ready(t.ready[0], 1);
  CHECK(svkit::descendants(t.root).size() == 200);
  auto u = svkit::tree_usage(t.root);
  REQUIRE(u);
  CHECK(u->processes == 200);
}

TEST_CASE("proc_tree: usage_below leaves out the skipped subtrees, in one walk",
          "[proc_tree][unit]") {
  Tree t;
  fork_small_tree(t, false);  // root -> a -> a1, root -> b
  std::vector<pid_t> d = svkit::descendants(t.root);
  REQUIRE(d.size() == 3);
  CHECK(svkit::usage_below(t.root, {}).processes == 3);
  // Skipping a takes a1 along (1 left); skipping a1 or b leaves 2.
  std::vector<size_t> left;
  for (pid_t x : d) left.push_back(svkit::usage_below(t.root, {x}).processes);
  std::sort(left.begin(), left.end());
  CHECK(left == std::vector<size_t>{1, 2, 2});
  svkit::TreeUsage all = svkit::usage_below(t.root, {});
  svkit::TreeUsage listed = svkit::usage_of(d);
  CHECK(all.rss_bytes > 0);
  CHECK(all.processes == listed.processes);
  // From this process: the tree is there, and gone when its root is skipped.
  size_t mine = svkit::usage_below(::getpid(), {}).processes;
  CHECK(mine >= 4);
  CHECK(svkit::usage_below(::getpid(), {t.root}).processes == mine - 4);
}

TEST_CASE("proc_tree: TreeSampler measures as usage_below, keeping the files between samples",
          "[proc_tree][unit]") {
  Tree t;
  fork_small_tree(t, false);  // root -> a -> a1, root -> b
  std::vector<pid_t> d = svkit::descendants(t.root);
  REQUIRE(d.size() == 3);
  svkit::TreeSampler sampler;
  auto measure = [&](pid_t root, bool with_root, const std::vector<pid_t>& skip) {
    svkit::TreeUsage u;
    sampler.begin();
    sampler.add(u, root, with_root, skip);
    sampler.end();
    return u;
  };
  for (int i = 0; i < 3; ++i) {  // the second and third samples read the kept files
    svkit::TreeUsage u = measure(t.root, false, {});
    CHECK(u.processes == 3);
    CHECK(u.rss_bytes == svkit::usage_below(t.root, {}).rss_bytes);
  }
  if (SVKIT_LINUX) CHECK(sampler.kept() == 4);  // root (its children list) and the three
  CHECK(measure(t.root, true, {}).processes == 4);
  std::vector<size_t> left;
  for (pid_t x : d) left.push_back(measure(t.root, false, {x}).processes);
  std::sort(left.begin(), left.end());
  CHECK(left == std::vector<size_t>{1, 2, 2});
  pid_t a = 0;
  for (pid_t x : d)
    if (svkit::descendants(x).size() == 1) a = x;
  REQUIRE(a);
  measure(t.root, false, {a});  // a and, below it, a1: their files are closed
  if (SVKIT_LINUX) CHECK(sampler.kept() == 2);
  // From this process, as supervise samples its service.
  size_t mine = measure(::getpid(), false, {}).processes;
  CHECK(mine >= 4);
  CHECK(measure(::getpid(), false, {t.root}).processes == mine - 4);
  // The tree ends: its kept files fail to read (ESRCH), nothing of it is counted or kept.
  measure(t.root, false, {});
  ::close(t.hold[1]);
  t.hold[1] = -1;
  REQUIRE(::waitpid(t.root, nullptr, 0) == t.root);
  t.root = -1;
  for (pid_t x : d)
    for (int i = 0; i < 500 && ::kill(x, 0) == 0; ++i) ::usleep(10000);
  CHECK(measure(d[0], true, {}).processes == 0);
  CHECK(sampler.kept() == 0);
}

TEST_CASE("proc_tree: OneListing answers from one listing (POSIX), changes nothing on Linux",
          "[proc_tree][unit]") {
  Tree t;
  fork_small_tree(t, false);  // root -> a -> a1, root -> b
  Tree late;                  // forked inside the scope, after the first question
  {
    svkit::OneListing one;
    CHECK(svkit::descendants(t.root).size() == 3);
    fork_small_tree(late, false);
    std::vector<pid_t> mine = svkit::descendants(::getpid());
    bool seen = std::find(mine.begin(), mine.end(), late.root) != mine.end();
    // POSIX-only build: the scope's one ps was taken before LATE existed. Linux: /proc now.
    CHECK(seen == static_cast<bool>(SVKIT_LINUX));
    {
      svkit::OneListing nested;  // nests: still the same listing
      CHECK(svkit::descendants(late.root).size() == (SVKIT_LINUX ? 3u : 0u));
    }
    CHECK(svkit::descendants(late.root).size() == (SVKIT_LINUX ? 3u : 0u));
  }
  // The scope is gone: a new listing, which has LATE.
  std::vector<pid_t> mine = svkit::descendants(::getpid());
  CHECK(std::find(mine.begin(), mine.end(), late.root) != mine.end());
  CHECK(svkit::descendants(late.root).size() == 3);
}
