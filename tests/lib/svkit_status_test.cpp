// SPDX-License-Identifier: MIT
// svkit_status: parsing supervise/svkit-status (well-formed, odd, malformed), svstat's
// JSON fields for it, and the readiness rule sv waits on.
#include <catch2/catch.hpp>

#include "harness.hpp"
#include "svkit/svkit_status.hpp"

using namespace svkit;

namespace {
const char* kFull =
    "phase up\n"
    "ready 1\n"
    "ready_since 1764088000.123\n"
    "restarts 3\n"
    "last_exit 1 0\n"
    "reason \n"
    "waiting_for \n"
    "backoff_until -\n";
}  // namespace

TEST_CASE("svkit-status: every key of a well-formed file", "[lib][svkit_status]") {
  auto s = parse_svkit_status(kFull);
  CHECK(s.phase == "up");
  CHECK(s.ready == std::optional<bool>(true));
  CHECK(s.ready_since_ms == std::optional<int64_t>(1764088000123));
  CHECK(s.restarts == std::optional<uint64_t>(3));
  REQUIRE(s.last_exit);
  CHECK(*s.last_exit == std::make_pair(1, 0));
  CHECK(s.reason.empty());
  CHECK(s.waiting_for.empty());
  CHECK_FALSE(s.backoff_until_ms);

  auto w = parse_svkit_status(
      "phase waiting\nready -\nready_since -\nrestarts 0\nlast_exit -1 9\n"
      "reason waiting for db\nwaiting_for db cache\nbackoff_until 1764088001.5\n");
  CHECK(w.phase == "waiting");
  CHECK_FALSE(w.ready);
  CHECK_FALSE(w.ready_since_ms);
  CHECK(*w.last_exit == std::make_pair(-1, 9));
  CHECK(w.reason == "waiting for db");
  CHECK(w.waiting_for == std::vector<std::string>{"db", "cache"});
  CHECK(w.backoff_until_ms == std::optional<int64_t>(1764088001500));
}

TEST_CASE("svkit-status: unknown keys, any order, missing lines, no final newline",
          "[lib][svkit_status]") {
  auto s = parse_svkit_status("watchdog 5\nrestarts 7\nphase failed\nfuture key with words");
  CHECK(s.phase == "failed");
  CHECK(s.restarts == std::optional<uint64_t>(7));
  CHECK_FALSE(s.ready);
  CHECK_FALSE(s.last_exit);
  CHECK(parse_svkit_status("").phase.empty());
  CHECK(parse_svkit_status("phase").phase.empty());
  CHECK(parse_svkit_status("ready 0").ready == std::optional<bool>(false));
  CHECK(parse_svkit_status("ready 0\r\n").ready == std::optional<bool>(false));
  CHECK(parse_svkit_status("phase up\nphase down\n").phase == "down");  // the last wins
}

TEST_CASE("svkit-status: malformed values leave their field null", "[lib][svkit_status]") {
  auto s = parse_svkit_status(
      "phase UP!\nready yes\nready_since 12x\nrestarts -1\nlast_exit 1\n"
      "backoff_until 1.2.3\n");
  CHECK(s.phase.empty());
  CHECK_FALSE(s.ready);
  CHECK_FALSE(s.ready_since_ms);
  CHECK_FALSE(s.restarts);
  CHECK_FALSE(s.last_exit);
  CHECK_FALSE(s.backoff_until_ms);
  CHECK_FALSE(parse_svkit_status("restarts 99999999999999999999\n").restarts);  // 20 digits
  CHECK_FALSE(parse_svkit_status("last_exit 1 -3\n").last_exit);
  CHECK_FALSE(parse_svkit_status("last_exit - -\n").last_exit);
  CHECK_FALSE(parse_svkit_status("last_exit 99999999999 0\n").last_exit);
  CHECK(parse_svkit_status("waiting_for a  b\n").waiting_for == std::vector<std::string>{"a", "b"});
  std::string huge(5000, 'x');
  CHECK(parse_svkit_status("reason " + huge + "\n").reason == huge);
}

TEST_CASE("svkit-status: times", "[lib][svkit_status]") {
  CHECK(parse_time_ms("0") == std::optional<int64_t>(0));
  CHECK(parse_time_ms("12") == std::optional<int64_t>(12000));
  CHECK(parse_time_ms("12.5") == std::optional<int64_t>(12500));
  CHECK(parse_time_ms("12.05") == std::optional<int64_t>(12050));
  CHECK(parse_time_ms("12.123456789") == std::optional<int64_t>(12123));
  for (const char* bad : {"", "-", ".5", "12.", "12.1234567890", "a", "-1", "1e3", "99999999999999"})
    CHECK_FALSE(parse_time_ms(bad));
}

TEST_CASE("svkit-status: svstat's JSON fields", "[lib][svkit_status]") {
  auto full = parse_svkit_status(kFull);
  CHECK(json_svkit_fields(full, RunState::run, 1764088010623) ==
        "\"ready\":true,\"ready_since\":10.500,\"restarts\":3,"
        "\"last_exit\":{\"code\":1,\"signal\":0},\"phase\":\"up\",\"reason\":null,"
        "\"waiting_for\":[],\"backoff_ms\":null");
  auto back = parse_svkit_status(
      "phase backoff\nready 0\nready_since -\nrestarts 4\nlast_exit -1 15\n"
      "reason exit 1, next start in 2 s\nwaiting_for \nbackoff_until 1000.250\n");
  CHECK(json_svkit_fields(back, RunState::down, 999000) ==
        "\"ready\":false,\"ready_since\":null,\"restarts\":4,"
        "\"last_exit\":{\"code\":-1,\"signal\":15},\"phase\":\"backoff\","
        "\"reason\":\"exit 1, next start in 2 s\",\"waiting_for\":[],\"backoff_ms\":1250");
  CHECK(json_svkit_fields(back, RunState::down, 1001000).find("\"backoff_ms\":0") !=
        std::string::npos);  // the deadline passed: 0, not negative
  auto waits = parse_svkit_status("phase waiting\nready -\nwaiting_for db \"x\"\n");
  CHECK(json_svkit_fields(waits, RunState::down, 0) ==
        "\"ready\":null,\"ready_since\":null,\"restarts\":null,\"last_exit\":null,"
        "\"phase\":\"waiting\",\"reason\":null,\"waiting_for\":[\"db\",\"\\\"x\\\"\"],"
        "\"backoff_ms\":null");
}

TEST_CASE("svkit-status absent: phase from runit's state, the rest null", "[lib][svkit_status]") {
  const std::string rest =
      ",\"reason\":null,\"waiting_for\":null,\"backoff_ms\":null";
  const std::string head =
      "\"ready\":null,\"ready_since\":null,\"restarts\":null,\"last_exit\":null,\"phase\":";
  CHECK(json_svkit_fields(std::nullopt, RunState::run, 5) == head + "\"up\"" + rest);
  CHECK(json_svkit_fields(std::nullopt, RunState::finish, 5) == head + "\"finishing\"" + rest);
  CHECK(json_svkit_fields(std::nullopt, RunState::down, 5) == head + "\"down\"" + rest);
  CHECK(json_svkit_fields(std::nullopt, std::nullopt, 5) == head + "null" + rest);
  CHECK(phase_of(std::nullopt, RunState::finish) == "finishing");
  CHECK(phase_of(parse_svkit_status("phase failed\n"), RunState::down) == "failed");
  CHECK(phase_of(parse_svkit_status("phase ??\n"), RunState::run) == "up");
}

TEST_CASE("svkit-status: readiness of the current run", "[lib][svkit_status]") {
  CHECK(readiness(std::nullopt, 0) == Readiness::none);
  CHECK(readiness(parse_svkit_status("phase up\nready -\n"), 0) == Readiness::none);
  CHECK(readiness(parse_svkit_status("phase starting\nready 0\n"), 0) == Readiness::not_ready);
  // Still the file of the state before the start: not known yet, so not ready.
  CHECK(readiness(parse_svkit_status("phase down\nready -\n"), 0) == Readiness::not_ready);
  CHECK(readiness(parse_svkit_status("phase backoff\nready -\n"), 0) == Readiness::not_ready);
  CHECK(readiness(parse_svkit_status("ready -\n"), 0) == Readiness::not_ready);
  auto r = parse_svkit_status("phase up\nready 1\nready_since 100.500\n");
  CHECK(readiness(r, 100500) == Readiness::ready);
  CHECK(readiness(r, 100000) == Readiness::ready);
  CHECK(readiness(r, 100501) == Readiness::not_ready);  // left over from the run before
  CHECK(readiness(parse_svkit_status("phase up\nready 1\n"), 0) == Readiness::not_ready);
  CHECK(unix_ms(Tai64n::from_unix(100, 500999999)) == 100500);
}

TEST_CASE("svkit-status: read from a directory", "[lib][svkit_status]") {
  svkit::test::TempDir tmp;
  CHECK_FALSE(read_svkit_status(tmp.str()));
  svkit::test::make_dirs(tmp / "supervise");
  svkit::test::write_file(tmp / "supervise/svkit-status", kFull);
  auto s = read_svkit_status(tmp.str());
  REQUIRE(s);
  CHECK(s->phase == "up");
  CHECK(s->restarts == std::optional<uint64_t>(3));
}

TEST_CASE("svkit-status: the watchdog's keys", "[lib][svkit_status][watchdog]") {
  auto s = parse_svkit_status(
      std::string(kFull) +
      "supervisor 1234\nmemory_limit 268435456\ncpu_limit 80 10\nwatchdog_interval 1000\n"
      "watchdog_trip 1764088000.123 memory 300M > 256M\n");
  CHECK(s.supervisor == std::optional<int64_t>(1234));
  CHECK(s.memory_limit == std::optional<uint64_t>(268435456));
  REQUIRE(s.cpu_limit);
  CHECK(s.cpu_limit->percent == 80);
  CHECK(s.cpu_limit->seconds == 10);
  CHECK(s.watchdog_interval_ms == std::optional<uint64_t>(1000));
  REQUIRE(s.watchdog_trip);
  CHECK(s.watchdog_trip->time_ms == 1764088000123);
  CHECK(s.watchdog_trip->reason == "memory 300M > 256M");
  CHECK(s.watched());

  auto none = parse_svkit_status(
      "supervisor 77\nmemory_limit -\ncpu_limit -\nwatchdog_interval -\nwatchdog_trip -\n");
  CHECK(none.supervisor == std::optional<int64_t>(77));
  CHECK_FALSE(none.memory_limit);
  CHECK_FALSE(none.cpu_limit);
  CHECK_FALSE(none.watchdog_interval_ms);
  CHECK_FALSE(none.watchdog_trip);
  CHECK_FALSE(none.watched());
  CHECK_FALSE(parse_svkit_status(kFull).supervisor);  // an older supervise: no key
  CHECK(parse_svkit_status("cpu_limit 250 5\n").watched());  // CPU only: watched too
  CHECK(parse_svkit_status("watchdog_trip 5.5\n").watchdog_trip->reason.empty());
}

TEST_CASE("svkit-status: malformed watchdog keys leave their field null",
          "[lib][svkit_status][watchdog]") {
  for (const char* bad : {"supervisor 0\n", "supervisor -5\n", "supervisor 12ab\n",
                          "supervisor 99999999\n", "supervisor \n"})
    CHECK_FALSE(parse_svkit_status(bad).supervisor);
  for (const char* bad : {"memory_limit 256M\n", "memory_limit -1\n", "memory_limit 1.5\n"})
    CHECK_FALSE(parse_svkit_status(bad).memory_limit);
  for (const char* bad : {"cpu_limit 80\n", "cpu_limit 80 x\n", "cpu_limit -80 10\n",
                          "cpu_limit 80.5 10\n"})
    CHECK_FALSE(parse_svkit_status(bad).cpu_limit);
  CHECK_FALSE(parse_svkit_status("watchdog_interval 1s\n").watchdog_interval_ms);
  CHECK_FALSE(parse_svkit_status("watchdog_trip yesterday memory\n").watchdog_trip);
  // A later malformed line of the same key clears the earlier value.
  CHECK_FALSE(parse_svkit_status("supervisor 5\nsupervisor x\n").supervisor);
  CHECK_FALSE(parse_svkit_status("cpu_limit 1 2\ncpu_limit 1\n").cpu_limit);
}

TEST_CASE("svkit-status: svstat's measure and watchdog fields", "[lib][svkit_status][watchdog]") {
  auto s = parse_svkit_status(
      "supervisor 1234\nmemory_limit 268435456\ncpu_limit 80 10\nwatchdog_interval 500\n"
      "watchdog_trip 1764088000.123 cpu 97% > 80% over 10 s \"x\"\n");
  TreeUsage u;
  u.rss_bytes = 4096;
  u.cpu_seconds = 1.2345;
  u.processes = 3;
  CHECK(json_measure_fields(s, u) ==
        "\"memory_bytes\":4096,\"cpu_seconds\":1.235,\"processes\":3,\"watchdog\":"
        "{\"memory_limit\":268435456,\"cpu_limit\":{\"percent\":80,\"seconds\":10},"
        "\"interval_ms\":500,\"last_trip\":{\"time\":1764088000.123,"
        "\"reason\":\"cpu 97% > 80% over 10 s \\\"x\\\"\"}}");
  CHECK(json_measure_fields(parse_svkit_status("memory_limit -\n"), std::nullopt) ==
        "\"memory_bytes\":null,\"cpu_seconds\":null,\"processes\":null,\"watchdog\":"
        "{\"memory_limit\":null,\"cpu_limit\":null,\"interval_ms\":null,\"last_trip\":null}");
  CHECK(json_measure_fields(std::nullopt, TreeUsage{}) ==
        "\"memory_bytes\":0,\"cpu_seconds\":0.000,\"processes\":0,\"watchdog\":null");
  CHECK(decimal_seconds(0.0004) == "0.000");
  CHECK(decimal_seconds(-3) == "0.000");
  CHECK(decimal_seconds(12.3456) == "12.346");
  CHECK(decimal_seconds(86400.05) == "86400.050");
}
