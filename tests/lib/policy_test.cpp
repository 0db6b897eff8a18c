// SPDX-License-Identifier: MIT
// policy: the parsers of svkit's service files, back-off and restart-limit arithmetic,
// and the supervise/svkit-status text.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <string>

#include "harness.hpp"
#include "svkit/policy.hpp"

using namespace svkit;

TEST_CASE("policy: milliseconds: digits with blanks around, garbage, sign, huge rejected",
          "[policy][unit]") {
  CHECK(parse_millis("250") == 250u);
  CHECK(parse_millis(" 250\n") == 250u);
  CHECK(parse_millis("0") == 0u);
  CHECK(parse_millis("2147483647") == 2147483647u);
  for (const char* bad : {"", "\n", "-5", "+5", "5ms", "1e3", "2147483648", "99999999999",
                          "12 13", "abc", "0x10", "1.5"})
    CHECK_FALSE(parse_millis(bad).has_value());
}

TEST_CASE("policy: notification-fd: 3..1023, 0-2 collide with stdio", "[policy][unit]") {
  CHECK(parse_notification_fd("3\n") == 3);
  CHECK(parse_notification_fd("1023") == 1023);
  for (const char* bad : {"0", "1", "2", "-1", "1024", "", "x", "3 4"})
    CHECK_FALSE(parse_notification_fd(bad).has_value());
}

TEST_CASE("policy: down-signal: name with or without SIG, or a number", "[policy][unit]") {
  CHECK(parse_signal("TERM") == SIGTERM);
  CHECK(parse_signal("SIGQUIT\n") == SIGQUIT);
  CHECK(parse_signal("HUP") == SIGHUP);
  CHECK(parse_signal("10") == 10);
  for (const char* bad : {"", "SIG", "term", "SIGFOO", "0", "-15", "65", "15x", "KILL TERM"})
    CHECK_FALSE(parse_signal(bad).has_value());
}

TEST_CASE("policy: restart-backoff INITIAL MAX and restart-limit COUNT SECONDS", "[policy][unit]") {
  CHECK(parse_backoff("100 5000\n") == std::make_pair(100u, 5000u));
  CHECK(parse_backoff("100\t100") == std::make_pair(100u, 100u));
  for (const char* bad : {"", "100", "0 100", "200 100", "-1 5", "1 2 3", "a b", "1 99999999999"})
    CHECK_FALSE(parse_backoff(bad).has_value());
  CHECK(parse_restart_limit("5 10") == std::make_pair(5u, 10000u));
  CHECK(parse_restart_limit("32 1000000") == std::make_pair(32u, 1000000000u));
  for (const char* bad : {"", "5", "0 10", "5 0", "33 10", "5 1000001", "-5 10", "5 ten"})
    CHECK_FALSE(parse_restart_limit(bad).has_value());
}

TEST_CASE("policy: read_policy: absent files are defaults, malformed ones flagged and absent",
          "[policy][unit]") {
  svkit::test::TempDir t;
  auto dirfd = [&] { return ::open(t.str().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); };
  int fd = dirfd();
  Policy none = read_policy(fd);
  CHECK(none.notification_fd == -1);
  CHECK(none.down_signal == SIGTERM);
  CHECK(none.malformed == 0);
  CHECK_FALSE(none.has_readiness());
  CHECK_FALSE(none.alert);
  CHECK_FALSE(none.dependencies);
  CHECK(none.backoff_initial_ms == 0);

  svkit::test::write_file(t / "notification-fd", "1\n");   // collides with stdout
  svkit::test::write_file(t / "timeout-kill", "");          // empty
  svkit::test::write_file(t / "timeout-ready", std::string(100, '7'));  // huge
  svkit::test::write_file(t / "down-signal", "SIGHUP\n");
  svkit::test::write_file(t / "restart-backoff", "-5 100\n");  // negative
  svkit::test::write_file(t / "restart-limit", "3 60\n");
  svkit::test::write_script(t / "check", "exit 0\n");
  svkit::test::write_script(t / "alert", "exit 0\n");
  svkit::test::make_dirs(t / "dependencies.d");
  Policy p = read_policy(fd);
  auto bit = [](PolicyFile f) { return 1u << static_cast<int>(f); };
  CHECK(p.malformed == (bit(PolicyFile::notification_fd) | bit(PolicyFile::timeout_kill) |
                        bit(PolicyFile::timeout_ready) | bit(PolicyFile::restart_backoff)));
  CHECK(p.notification_fd == -1);
  CHECK(p.timeout_kill_ms == 0);
  CHECK(p.down_signal == SIGHUP);
  CHECK(p.limit_count == 3);
  CHECK(p.limit_ms == 60000);
  CHECK(p.check);  // no (valid) notification-fd: ./check is the readiness
  CHECK(p.alert);
  CHECK(p.dependencies);

  svkit::test::write_file(t / "notification-fd", "5\n");
  Policy q = read_policy(fd);
  CHECK(q.notification_fd == 5);
  CHECK_FALSE(q.check);  // notification-fd wins
  CHECK(q.has_readiness());

  svkit::test::TempDir u;  // dependencies.d that is a file: malformed, so absent
  svkit::test::write_file(u / "dependencies.d", "db\n");
  int ufd = ::open(u.str().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  Policy f = read_policy(ufd);
  CHECK(f.malformed == bit(PolicyFile::dependencies_d));
  CHECK_FALSE(f.dependencies);
  CHECK(std::string(policy_file_name(PolicyFile::dependencies_d)) == "dependencies.d");
  ::close(ufd);
  ::close(fd);
}

TEST_CASE("policy: back-off doubles from INITIAL up to MAX, a long run resets it",
          "[policy][unit]") {
  Policy p;
  p.backoff_initial_ms = 100;
  p.backoff_max_ms = 700;
  uint32_t cur = 0;
  std::string waits;
  for (int i = 0; i < 6; ++i) waits += std::to_string(next_backoff(p, cur, 5)) + " ";
  CHECK(waits == "100 200 400 700 700 700 ");
  CHECK(next_backoff(p, cur, 699) == 700);
  CHECK(next_backoff(p, cur, 700) == 100);  // up for MAX: back to INITIAL
  CHECK(next_backoff(p, cur, 0) == 200);
  Policy none;
  uint32_t c2 = 0;
  CHECK(next_backoff(none, c2, 0) == 0);
}

TEST_CASE("policy: restart-limit: COUNT exits within the window", "[policy][unit]") {
  ExitTally t;
  CHECK_FALSE(t.add(1000, 3, 2000));
  CHECK_FALSE(t.add(2000, 3, 2000));
  CHECK(t.add(3000, 3, 2000));        // 3 exits in 2 s
  t.clear();
  CHECK_FALSE(t.add(0, 3, 2000));
  CHECK_FALSE(t.add(1500, 3, 2000));
  CHECK_FALSE(t.add(3001, 3, 2000));  // the first fell out of the window
  CHECK(t.add(3200, 3, 2000));
  ExitTally w;                        // across the 32-bit wrap of the ms clock
  CHECK_FALSE(w.add(0xffffff00u, 2, 1000));
  CHECK(w.add(0x100u, 2, 1000));
  ExitTally many;                     // more exits than the tally holds
  for (uint32_t i = 0; i < 100; ++i) many.add(i * 10000, 32, 1000);
  CHECK(many.add(990001, 1, 1000));
}

TEST_CASE("policy: svkit-status text: keys in order, one per line", "[policy][unit]") {
  char buf[kExtStatusMax];
  ExtStatus e;
  std::string plain(buf, format_ext_status(e, buf));
  CHECK(plain ==
        "phase down\nready -\nready_since -\nrestarts 0\nlast_exit - -\nreason \n"
        "waiting_for \nbackoff_until -\npid_start - -\n"
        "supervisor 0\nmemory_limit -\ncpu_limit -\nwatchdog_interval -\nwatchdog_trip -\n");
  e.phase = Phase::backoff;
  e.ready = 1;
  e.ready_since_ms = 1764088000123;
  e.restarts = 3;
  e.has_exit = true;
  e.exit_code = -1;
  e.exit_signal = 9;
  e.reason = "5 exits\nin 10 s";
  e.waiting_for = "db cache";
  e.backoff_until_ms = 1764088001005;
  e.pid = 4242;
  e.pid_start = 987654;
  std::string full(buf, format_ext_status(e, buf));
  CHECK(full ==
        "phase backoff\nready 1\nready_since 1764088000.123\nrestarts 3\nlast_exit -1 9\n"
        "reason 5 exits in 10 s\nwaiting_for db cache\nbackoff_until 1764088001.005\n"
        "pid_start 4242 987654\nsupervisor 0\nmemory_limit -\ncpu_limit -\nwatchdog_interval -\nwatchdog_trip -\n");
  std::string huge(5000, 'x');
  e.reason = huge.c_str();
  e.waiting_for = huge.c_str();
  size_t n = format_ext_status(e, buf);
  CHECK(n < kExtStatusMax);
  std::string tail = "backoff_until 1764088001.005\npid_start 4242 987654\n" + std::string("supervisor 0\nmemory_limit -\ncpu_limit -\nwatchdog_interval -\nwatchdog_trip -\n");
  CHECK(std::string(buf, n).substr(n - tail.size()) == tail);
  pid_t pid = 0;
  uint64_t ticks = 0;
  REQUIRE(parse_pid_start(std::string(buf, n), pid, ticks));
  CHECK(pid == 4242);
  CHECK(ticks == 987654);
}

TEST_CASE("policy: kernel start time from /proc/PID/stat, the pid_start record", "[policy][unit]") {
  // A command name with blanks and parentheses: fields are counted after the last ')'.
  std::string stat = "123 (a b) c)) S 1 123 123 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
                     "987654 1000 200 18446744073709551615\n";
  CHECK(parse_start_time(stat) == 987654u);
  CHECK(parse_start_time("garbage") == 0u);
  CHECK(parse_start_time("1 (x) S 1 2") == 0u);
  CHECK(start_time_of(::getpid()) > 0u);
  CHECK(start_time_of(::getpid()) == start_time_of(::getpid()));
  pid_t pid = 0;
  uint64_t ticks = 0;
  CHECK_FALSE(parse_pid_start("phase up\npid_start - -\n", pid, ticks));
  CHECK_FALSE(parse_pid_start("phase up\n", pid, ticks));
  CHECK_FALSE(parse_pid_start("pid_start 12 x\n", pid, ticks));
  CHECK(parse_pid_start("phase up\npid_start 12 34\nlater 1\n", pid, ticks));
  CHECK(pid == 12);
  CHECK(ticks == 34u);
}

TEST_CASE("policy: watchdog files: memory-limit, cpu-limit, watchdog-interval",
          "[policy][watchdog][unit]") {
  using svkit::parse_memory_limit;
  CHECK(parse_memory_limit("100") == 100u);
  CHECK(parse_memory_limit(" 512K\n") == 512u << 10);
  CHECK(parse_memory_limit("256M") == 256u << 20);
  CHECK(parse_memory_limit("2g") == uint64_t{2} << 30);
  for (const char* bad : {"", "0", "0M", "M", "12Q", "-1", "1.5G", "1 M", "99999999999999999999"})
    CHECK_FALSE(parse_memory_limit(bad));
  CHECK(svkit::parse_cpu_limit("80 10") == std::make_pair(80u, 10u));
  CHECK(svkit::parse_cpu_limit(" 250\t3\n") == std::make_pair(250u, 3u));
  for (const char* bad : {"80", "0 10", "80 0", "80 10 1", "x 1", "100001 1", "1 86401"})
    CHECK_FALSE(svkit::parse_cpu_limit(bad));
  CHECK(svkit::parse_watchdog_interval("50") == 50u);
  CHECK_FALSE(svkit::parse_watchdog_interval("5"));
  CHECK_FALSE(svkit::parse_watchdog_interval("1s"));
  char buf[24];
  svkit::format_size(300u << 20, buf);
  CHECK(std::string(buf) == "300M");
  svkit::format_size((uint64_t{3} << 30) / 2, buf);
  CHECK(std::string(buf) == "1.5G");
  svkit::format_size(512, buf);
  CHECK(std::string(buf) == "512");
}

TEST_CASE("policy: svkit-status always carries the watchdog keys", "[policy][watchdog][unit]") {
  svkit::ExtStatus e;
  e.supervisor = 1234;
  char out[svkit::kExtStatusMax];
  std::string plain(out, svkit::format_ext_status(e, out));
  CHECK(plain.find("\nsupervisor 1234\nmemory_limit -\ncpu_limit -\nwatchdog_interval -\n"
                   "watchdog_trip -\n") != std::string::npos);
  e.memory_limit = 268435456;
  e.cpu_percent = 80;
  e.cpu_seconds = 10;
  e.watchdog_ms = 1000;
  e.trip_ms = 1764088000123;
  e.trip_reason = "memory 300M > 256M";
  std::string w(out, svkit::format_ext_status(e, out));
  CHECK(w.find("\nmemory_limit 268435456\ncpu_limit 80 10\nwatchdog_interval 1000\n"
               "watchdog_trip 1764088000.123 memory 300M > 256M\n") != std::string::npos);
  std::string huge(2000, 'r');
  e.reason = huge.c_str();
  e.waiting_for = huge.c_str();
  CHECK(svkit::format_ext_status(e, out) < svkit::kExtStatusMax);
}
