// SPDX-License-Identifier: MIT
// StatusWatch: wakes on a replaced supervise/status, ignores a client's own traffic, waits
// for supervise/ to appear, and never sleeps past its deadline.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

#include "harness.hpp"
#include "svkit/status_watch.hpp"

using namespace svkit::test;
using Clock = svkit::StatusWatch::Clock;

namespace {
void replace_status(const fs::path& dir) {
  write_file(dir / "supervise/status.new", std::string(20, '\0'));
  fs::rename(dir / "supervise/status.new", dir / "supervise/status");
}

// Waits past the fast-polling window, so that what follows exercises the inotify stage.
void enter_event_stage(svkit::StatusWatch& w) {
  auto t0 = Clock::now();
  while (!w.event_driven() && Clock::now() - t0 < 2s) w.wait(Clock::now() + 2s);
}
}  // namespace

TEST_CASE("status watch polls short waits without setting up inotify", "[clients][watch][unit]") {
  TempDir tmp;
  make_dirs(tmp / "svc/supervise");
  svkit::StatusWatch w;
  w.add((tmp / "svc").string());
  auto t0 = Clock::now();
  int wakes = 0;
  while (Clock::now() - t0 < 20ms) wakes += w.wait(t0 + 1s);
  CHECK_FALSE(w.event_driven());  // closing an inotify instance costs the client ~10 ms
  CHECK(wakes >= 10);             // re-read often: a change is seen within ~0.5 ms
  CHECK(wakes <= 100);            // but not a busy loop
  enter_event_stage(w);
  CHECK(w.event_driven());
  CHECK(Clock::now() - t0 < 500ms);
}

TEST_CASE("status watch wakes when the status file is replaced", "[clients][watch][unit]") {
  TempDir tmp;
  make_dirs(tmp / "svc/supervise");
  svkit::StatusWatch w;
  w.add((tmp / "svc").string());
  enter_event_stage(w);
  REQUIRE(w.event_driven());
  std::thread writer([&] {
    std::this_thread::sleep_for(50ms);  // the change comes while the watch sleeps
    replace_status(tmp / "svc");
  });
  auto t0 = Clock::now();
  bool woke = w.wait(t0 + 5s);
  auto took = Clock::now() - t0;
  writer.join();
  CHECK(woke);
  CHECK(took >= 40ms);
  CHECK(took < 900ms);  // the event, not the 1 s safety re-read
}

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

TEST_CASE("status watch follows supervise/ created later", "[clients][watch][unit]") {
  TempDir tmp;
  make_dirs(tmp / "svc");
  svkit::StatusWatch w;
  w.add((tmp / "svc").string());
  enter_event_stage(w);
  make_dirs(tmp / "svc/supervise");
  auto deadline = Clock::now() + 5s;
  REQUIRE(w.wait(deadline));  // supervise/ appeared
  std::thread writer([&] {
    std::this_thread::sleep_for(30ms);
    replace_status(tmp / "svc");
  });
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
  CHECK(Clock::now() - t0 < 50ms);
}
