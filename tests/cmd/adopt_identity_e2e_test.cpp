// SPDX-License-Identifier: MIT
// adopt_identity: after kill -9 of supervise, the next one recognises the service's
// process by what the service cannot change (pid + kernel start time + boot, recorded in
// supervise/svkit-start), not by its working directory, session, group or name; and never
// adopts a stranger that reuses a recorded pid.
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "supervise_fixture.hpp"
#include "svkit/platform.hpp"
#include "svkit/policy.hpp"
#include "svkit/process_start.hpp"

using namespace svkit::test;
using namespace svkit::test::sup;

namespace {

std::vector<long> numbers(const std::string& text) {
  std::vector<long> out;
  for (const auto& l : split_lines(text)) out.push_back(std::stol(l));
  return out;
}

bool is_sequence(const std::vector<long>& v, long n) {
  if (static_cast<long>(v.size()) != n) return false;
  for (long i = 0; i < n; ++i)
    if (v[static_cast<size_t>(i)] != i) return false;
  return true;
}

#if SVKIT_LINUX
// Field 22 of /proc/PID/stat, counted after the last ')'.
unsigned long long start_time(pid_t pid) {
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream in(stat.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22; ++i) in >> field;
  return std::stoull(field);
}

std::string boot_id() {
  std::string id = read_file("/proc/sys/kernel/random/boot_id");
  return id.substr(0, id.find('\n'));
}
constexpr unsigned long long kOlder = 1;  // clock ticks: exact
#else
// POSIX-only build: the start time is `ps`'s lstart in seconds since the epoch, compared
// within svkit::kStartSlack; there is no boot id.
unsigned long long start_time(pid_t pid) { return svkit::start_time_of(pid); }
std::string boot_id() { return ""; }
constexpr unsigned long long kOlder = 10;  // beyond the slack
#endif

// A recorded start time against the process's: exact on Linux (clock ticks), within
// svkit::kStartSlack in a POSIX-only build (the clock at the start against ps's lstart).
bool start_matches(unsigned long long recorded, unsigned long long actual) {
#if SVKIT_LINUX
  return recorded == actual;
#else
  return svkit::same_start(recorded, actual);
#endif
}

// supervise/svkit-start's fields. supervise writes a fixed layout (pid and start time
// zero-padded, boot id space-padded) in place; tests write the plain form, also accepted.
struct StartRecord {
  unsigned long long pid = 0, start = 0;
  std::string boot;
};
StartRecord start_record(const fs::path& p) {
  StartRecord r;
  std::istringstream in(read_file(p));
  in >> r.pid >> r.start >> r.boot;
  return r;
}

// Runs supervise on S, waits for the service (and logger), kills supervise with SIGKILL.
struct Killed {
  pid_t pid = 0, logger = 0;
};
Killed start_and_kill(const ServiceDir& s, bool has_log, const std::function<bool()>& ready) {
  Killed k;
  Tool first("supervise", {s.str()});
  k.pid = wait_running(s.dir);
  if (has_log) k.logger = wait_running(s / "log");
  REQUIRE(k.pid);
  REQUIRE(eventually(5s, ready));
  first.signal(SIGKILL);
  REQUIRE(first.wait_exit(5s));
  return k;
}

}  // namespace

TEST_CASE("adopt: the record is PID STARTTIME BOOTID of the running ./run",
          "[supervise][adopt][e2e]") {
  ServiceDir s;
  write_script(s / "run", "exec sleep 30\n");
  Tool sup("supervise", {s.str()});
  pid_t pid = wait_running(s.dir);
  REQUIRE(pid);
  REQUIRE(eventually(5s, [&] { return svkit::test::exists(s / "supervise/svkit-start"); }));
  std::string text = read_file(s / "supervise/svkit-start");
  CHECK(text.size() == 69);  // 10 + 1 + 20 + 1 + 36 + newline
  CHECK(text.back() == '\n');
  StartRecord r = start_record(s / "supervise/svkit-start");
  CHECK(r.pid == static_cast<unsigned long long>(pid));
  CHECK(start_matches(r.start, start_time(pid)));
  CHECK(r.boot == boot_id());
  // A restart rewrites it in place, same size, the new process's identity.
  REQUIRE(control(s.dir, "k"));
  REQUIRE(eventually(5s, [&] { pid_t p = pid_of(s.dir); return p && p != pid; }));
  pid_t next = pid_of(s.dir);
  REQUIRE(eventually(5s, [&] { return start_record(s / "supervise/svkit-start").pid ==
                                      static_cast<unsigned long long>(next); }));
  CHECK(read_file(s / "supervise/svkit-start").size() == 69);
  CHECK(start_matches(start_record(s / "supervise/svkit-start").start, start_time(next)));
}

TEST_CASE("adopt: a service that chdirs, renames itself and tries setsid is not duplicated",
          "[supervise][adopt][e2e]") {
  ServiceDir s;
  // What nginx or PostgreSQL do themselves: leave the service directory before working.
  write_script(s / "run",
               "echo $$ >> ../starts\n"
               "cd /\n"
               "exec perl -e 'use POSIX; POSIX::setsid(); setpgrp(0, 0); $0 = \"mydaemon\";"
               " sleep 30'\n");
  auto renamed = [&] {
    pid_t p = pid_of(s.dir);
    return p && read_file("/proc/" + std::to_string(p) + "/comm") == "mydaemon\n";
  };
  Killed k = start_and_kill(s, false, renamed);
  CHECK(fs::read_symlink("/proc/" + std::to_string(k.pid) + "/cwd") == "/");
  Tool second("supervise", {s.str()});
  REQUIRE(eventually(5s, [&] { return supervised(s.dir); }));
  CHECK(stat_becomes(s.dir, "run"));
  CHECK(pid_of(s.dir) == k.pid);
  CHECK(lines_in(s.tmp / "starts") == 1);
  // Still controlled: d ends it and supervise notices through the pidfd.
  REQUIRE(control(s.dir, "d"));
  CHECK(stat_becomes(s.dir, "down"));
  CHECK(eventually(5s, [&] { return !process_alive(k.pid); }));
  CHECK(lines_in(s.tmp / "starts") == 1);
}

TEST_CASE("adopt: a logger that chdirs is adopted, no duplicate, no lost line",
          "[supervise][adopt][e2e]") {
  ServiceDir s;
  make_dirs(s / "log/main");
  write_script(s / "run",
               "echo $$ >> ../starts\n"
               "cd /\n"
               "i=0; while [ $i -lt 400 ]; do echo $i; i=$((i+1)); sleep 0.005; done\n"
               "exec sleep 30\n");
  write_script(s / "log/run", "echo $$ >> ../../log-starts\ncd /\nexec " + bin("svlogd") + " " +
                                  (s / "log/main").string() + "\n");
  auto current = [&] { return read_file(s / "log/main/current"); };
  Killed k = start_and_kill(s, true, [&] { return count_lines(current()) >= 30; });
  Tool second("supervise", {s.str()});
  REQUIRE(eventually(5s, [&] { return supervised(s.dir) && supervised(s / "log"); }));
  CHECK(pid_of(s.dir) == k.pid);
  CHECK(pid_of(s / "log") == k.logger);
  REQUIRE(eventually(10s, [&] { return count_lines(current()) >= 400; }));
  CHECK(is_sequence(numbers(current()), 400));
  CHECK(lines_in(s.tmp / "starts") == 1);
  CHECK(lines_in(s.tmp / "log-starts") == 1);
  REQUIRE(control(s.dir, "x"));
  CHECK(second.wait_exit(5s) == 0);
  CHECK(eventually(5s, [&] { return !process_alive(k.logger); }));
}

TEST_CASE("adopt: a recorded pid reused by a stranger is never adopted",
          "[supervise][adopt][e2e]") {
  ServiceDir s;
  write_script(s / "run", "exec sleep 30\n");
  make_dirs(s / "supervise");
  // A live session leader whose cwd IS the service directory: the old cwd test would
  // have taken it. The record names its pid with another start time (the pid's previous
  // owner), as after the service died and its pid was reused.
  RunOptions opt;
  Tool stranger("/bin/sh", {"-c", "cd '" + s.str() + "' && exec sleep 30"}, opt, true);
  REQUIRE(eventually(5s, [&] {
    return fs::read_symlink("/proc/" + std::to_string(stranger.pid()) + "/cwd") == s.dir;
  }));
  unsigned long long t = start_time(stranger.pid());
  REQUIRE(t > 0);
  SECTION("older start time") {
    write_file(s / "supervise/svkit-start", std::to_string(stranger.pid()) + " " +
                                                std::to_string(t - kOlder) + " " + boot_id() + "\n");
  }
  SECTION("another boot") {
    write_file(s / "supervise/svkit-start", std::to_string(stranger.pid()) + " " +
                                                std::to_string(t) +
                                                " 00000000-0000-0000-0000-000000000000\n");
  }
  SECTION("pid file only (no record)") {
    write_file(s / "supervise/pid", std::to_string(stranger.pid()) + "\n");
  }
  SECTION("malformed record") {
    write_file(s / "supervise/svkit-start", std::to_string(stranger.pid()) + "\n");
  }
  write_file(s / "supervise/pid", std::to_string(stranger.pid()) + "\n");
  Tool sup("supervise", {s.str()});
  pid_t pid = wait_running(s.dir);
  REQUIRE(pid);
  CHECK(pid != stranger.pid());
  CHECK(stranger.running());
  // The new record names the new process.
  CHECK(eventually(5s, [&] {
    return start_record(s / "supervise/svkit-start").pid == static_cast<unsigned long long>(pid);
  }));
}
