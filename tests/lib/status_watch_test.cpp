// SPDX-License-Identifier: MIT
// StatusWatch: wakes on a replaced supervise/status, ignores a client's own traffic, waits
// for supervise/ to appear, and never sleeps past its deadline. Correctness only: how often
// it wakes and how fast an event arrives are measured by tests/bench/status_watch_bench.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/syscall.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "harness.hpp"
#include "svkit/platform.hpp"
#include "svkit/status_watch.hpp"

using namespace svkit::test;
using Clock = svkit::StatusWatch::Clock;

namespace {
void replace_status(const fs::path& dir) {
  write_file(dir / "supervise/status.new", std::string(20, '\0'));
  fs::rename(dir / "supervise/status.new", dir / "supervise/status");
}

// Waits past the fast-polling window, so that what follows exercises the inotify stage
// (in a POSIX-only build: the 20 ms polling stage, never event-driven).
void enter_event_stage(svkit::StatusWatch& w) {
  auto t0 = Clock::now();
  auto window = SVKIT_LINUX ? 2s : std::chrono::duration_cast<Clock::duration>(60ms);
  while (!w.event_driven() && Clock::now() - t0 < window) w.wait(Clock::now() + 2s);
}

pid_t my_tid() { return static_cast<pid_t>(::syscall(SYS_gettid)); }

// Runs CHANGE on another thread once thread TID has set ENTERING and sleeps (state S in
// /proc): the change then comes while the watch sleeps, without a fixed pause.
std::thread while_sleeping(pid_t tid, const std::atomic<bool>& entering,
                           std::function<void()> change) {
  return std::thread([tid, &entering, change] {
    auto stat = "/proc/self/task/" + std::to_string(tid) + "/stat";
    eventually(5s, [&] {
      if (!entering) return false;
      auto text = read_file(stat);
      auto paren = text.rfind(')');
      return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'S';
    }, 1ms);
    change();
  });
}
}  // namespace

TEST_CASE("status watch polls short waits without setting up inotify", "[clients][watch][unit]") {
  TempDir tmp;
  make_dirs(tmp / "svc/supervise");
  svkit::StatusWatch w;
  w.add((tmp / "svc").string());
  auto t0 = Clock::now();
  for (int i = 0; i < 3; ++i) CHECK(w.wait(t0 + 1s));  // each a short poll: a hint to re-read
  // closing an inotify instance costs the client ~10 ms; unless this thread was stalled
  // past the 50 ms fast window, no inotify yet
  if (Clock::now() - t0 < 40ms) CHECK_FALSE(w.event_driven());
  enter_event_stage(w);
  CHECK(w.event_driven() == static_cast<bool>(SVKIT_LINUX));  // no inotify: polling
}

TEST_CASE("status watch wakes when the status file is replaced", "[clients][watch][unit]") {
  TempDir tmp;
  make_dirs(tmp / "svc/supervise");
  svkit::StatusWatch w;
  w.add((tmp / "svc").string());
  enter_event_stage(w);
#if !SVKIT_LINUX
  // POSIX-only build: each wait is a 20 ms poll, a hint; the change is seen by re-reading
  // after the first wait that ends after it.
  CHECK_FALSE(w.event_driven());
  replace_status(tmp / "svc");
  auto changed = Clock::now();
  CHECK(w.wait(changed + 5s));
  CHECK(Clock::now() - changed < 900ms);
#else
  REQUIRE(w.event_driven());
  std::atomic<bool> entering{false};
  Clock::time_point written;
  auto writer = while_sleeping(my_tid(), entering, [&] {
    written = Clock::now();
    replace_status(tmp / "svc");
  });
  auto t0 = Clock::now();
  entering = true;
  bool woke = w.wait(t0 + 5s);
  auto woke_at = Clock::now();
  writer.join();
  CHECK(woke);
  CHECK(written < woke_at);  // woken by the change, not before it
  // the event, not the safety re-read a full second after the wait began (the event
  // takes well under a millisecond: tests/bench/status_watch_bench)
  CHECK(woke_at - written < 900ms);
#endif
}

#if SVKIT_LINUX
TEST_CASE("status watch ignores a client's own reads and probes", "[clients][watch][unit]") {
  TempDir tmp;
  auto sup = tmp / "svc/supervise";
  make_dirs(sup);
  replace_status(tmp / "svc");
  REQUIRE(::mkfifo((sup / "ok").c_str(), 0600) == 0);
  int reader = ::open((sup / "ok").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  REQUIRE(reader >= 0);
  svkit::StatusWatch w;
  w.add((tmp / "svc").string());
  enter_event_stage(w);
  // what sv does on every round: probe ok for writing, read status
  int probe = ::open((sup / "ok").c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  CHECK(probe >= 0);
  ::close(probe);
  CHECK(read_file(sup / "status").size() == 20);
  auto t0 = Clock::now();
  CHECK_FALSE(w.wait(t0 + 150ms));  // nothing happened: sleeps until the deadline
  CHECK(Clock::now() - t0 >= 140ms);
  ::close(reader);
}
#else
TEST_CASE("status watch without inotify polls in short steps up to the deadline",
          "[clients][watch][unit]") {
  TempDir tmp;
  make_dirs(tmp / "svc/supervise");
  svkit::StatusWatch w;
  w.add((tmp / "svc").string());
  enter_event_stage(w);
  auto t0 = Clock::now();
  auto deadline = t0 + 150ms;
  int wakes = 0;
  auto longest = Clock::duration::zero();
  for (auto before = Clock::now(); w.wait(deadline); before = Clock::now()) {
    ++wakes;
    longest = std::max(longest, Clock::now() - before);
    REQUIRE(wakes < 1000);
  }
  CHECK(Clock::now() >= deadline);       // never returns false early
  CHECK(wakes >= 2);                     // re-reads while waiting (every 20 ms)
  CHECK(longest < 120ms);                // short steps, not one long sleep
}
#endif

TEST_CASE("status watch follows supervise/ created later", "[clients][watch][unit]") {
  TempDir tmp;
  make_dirs(tmp / "svc");
  svkit::StatusWatch w;
  w.add((tmp / "svc").string());
  enter_event_stage(w);
  make_dirs(tmp / "svc/supervise");
  auto deadline = Clock::now() + 5s;
  REQUIRE(w.wait(deadline));  // supervise/ appeared
  std::atomic<bool> entering{true};
  auto writer = while_sleeping(my_tid(), entering, [&] { replace_status(tmp / "svc"); });
  bool woke = false;
  while (!woke && Clock::now() < deadline) woke = w.wait(deadline) && svkit::test::exists(tmp / "svc/supervise/status");
  writer.join();
  CHECK(woke);
  CHECK(Clock::now() < deadline);
}

TEST_CASE("status watch returns at once for a past deadline", "[clients][watch][unit]") {
  svkit::StatusWatch w;
  w.add("/nonexistent-svkit-dir");
  auto t0 = Clock::now();
  CHECK_FALSE(w.wait(t0 - 1s));
  CHECK(Clock::now() - t0 < 500ms);  // no poll, no safety re-read (1 s)
}
