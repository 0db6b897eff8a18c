// SPDX-License-Identifier: MIT
// status_watch_bench: the timing targets of StatusWatch (lib/status_watch.cpp), measured
// outside the CI tests (tests/lib/status_watch_test.cpp checks only correctness). Catch2-free;
// run by tests/bench/timing.sh. Prints one line per figure with its target and "ok" or
// "MISSED"; exits 1 when a target is missed.
//   status_watch_bench [ROUNDS]
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "svkit/status_watch.hpp"

namespace {
using Clock = svkit::StatusWatch::Clock;
using namespace std::chrono_literals;

bool missed = false;

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

void report(const char* what, double value, const char* unit, bool ok, const char* target) {
  printf("%-48s %9.3f %-6s target %-14s %s\n", what, value, unit, target, ok ? "ok" : "MISSED");
  if (!ok) missed = true;
}

std::string make_service(const std::string& base) {
  std::string dir = base + "/svc";
  if (::mkdir(dir.c_str(), 0755) != 0 || ::mkdir((dir + "/supervise").c_str(), 0755) != 0) {
    perror("status_watch_bench: mkdir");
    exit(2);
  }
  return dir;
}

void replace_status(const std::string& dir) {
  { std::ofstream(dir + "/supervise/status.new") << std::string(20, '\0'); }
  ::rename((dir + "/supervise/status.new").c_str(), (dir + "/supervise/status").c_str());
}

void enter_event_stage(svkit::StatusWatch& w) {
  auto t0 = Clock::now();
  while (!w.event_driven() && Clock::now() - t0 < 2s) w.wait(Clock::now() + 2s);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
}  // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 20;
  if (rounds < 1) rounds = 1;
  char tmpl[] = "/tmp/svkit-watch-bench.XXXXXX";
  if (!::mkdtemp(tmpl)) {
    perror("status_watch_bench: mkdtemp");
    return 2;
  }
  std::string dir = make_service(tmpl);

  // 1. The fast window: wake-ups in the first 20 ms (a change is seen within ~0.5 ms, but no
  //    busy loop), and no inotify instance for such short waits.
  std::vector<double> wakes, stage;
  int inotify_early = 0;
  for (int r = 0; r < rounds; ++r) {
    svkit::StatusWatch w;
    w.add(dir);
    auto t0 = Clock::now();
    int n = 0;
    while (Clock::now() - t0 < 20ms) n += w.wait(t0 + 1s);
    wakes.push_back(n);
    if (w.event_driven()) ++inotify_early;
    enter_event_stage(w);
    stage.push_back(ms(Clock::now() - t0));
  }
  double wk = median(wakes);
  report("wake-ups in the first 20 ms (median)", wk, "", wk >= 10 && wk <= 100, "10..100");
  report("waits of 20 ms that set up inotify", inotify_early, "", inotify_early == 0, "0");
  double st = median(stage);
  report("time until event-driven (median)", st, "ms", st < 500, "< 500 ms");

  // 2. Event latency: the status file is replaced while the watch sleeps in poll().
  std::vector<double> latency;
  for (int r = 0; r < rounds; ++r) {
    svkit::StatusWatch w;
    w.add(dir);
    enter_event_stage(w);
    Clock::time_point written;
    std::thread writer([&] {
      std::this_thread::sleep_for(20ms);  // a benchmark may pause: the watch is asleep by then
      written = Clock::now();
      replace_status(dir);
    });
    bool woke = w.wait(Clock::now() + 5s);
    auto at = Clock::now();
    writer.join();
    latency.push_back(woke ? ms(at - written) : 5000.0);
  }
  double lat = median(latency);
  report("wake-up after the status is replaced (median)", lat, "ms", lat < 50, "< 50 ms");
  double worst = *std::max_element(latency.begin(), latency.end());
  report("wake-up after the status is replaced (max)", worst, "ms", worst < 900,
         "< 900 ms");

  // 3. A deadline in the past returns at once.
  std::vector<double> past;
  for (int r = 0; r < rounds; ++r) {
    svkit::StatusWatch w;
    w.add("/nonexistent-svkit-dir");
    auto t0 = Clock::now();
    w.wait(t0 - 1s);
    past.push_back(ms(Clock::now() - t0));
  }
  double pa = *std::max_element(past.begin(), past.end());
  report("wait with a past deadline (max)", pa, "ms", pa < 50, "< 50 ms");

  std::string cmd = std::string("rm -rf '") + tmpl + "'";
  if (system(cmd.c_str()) != 0) fprintf(stderr, "status_watch_bench: cannot remove %s\n", tmpl);
  return missed ? 1 : 0;
}
