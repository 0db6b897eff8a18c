// SPDX-License-Identifier: MIT
// prometheus: the text exposition format of svstat --prometheus (families grouped, HELP
// and TYPE once each, labels escaped, absent values left out) and what each service's
// state becomes.
#include <catch2/catch.hpp>

#include "svkit/prometheus.hpp"

using namespace svkit;

namespace {
Status up_status(pid_t pid, uint64_t since) {
  Status s;
  s.when.sec = since;
  s.pid = pid;
  s.state = RunState::run;
  s.want = Want::up;
  return s;
}
}  // namespace

TEST_CASE("prometheus: values", "[lib][prometheus]") {
  CHECK(prometheus_value(0) == "0");
  CHECK(prometheus_value(1) == "1");
  CHECK(prometheus_value(-1) == "-1");
  CHECK(prometheus_value(268435456) == "268435456");
  CHECK(prometheus_value(1.5) == "1.5");
  CHECK(prometheus_value(12.3456) == "12.346");
  CHECK(prometheus_value(0.0001) == "0");
  CHECK(prometheus_value(1e18) == "1000000000000000000");
  CHECK(prometheus_value(2.5e18) == "2500000000000000000");
}

TEST_CASE("prometheus: label values escape backslash, quote and newline", "[lib][prometheus]") {
  CHECK(prometheus_label("web") == "web");
  CHECK(prometheus_label("a\\b\"c\nd\te") == "a\\\\b\\\"c\\nd\te");
  CHECK(prometheus_label("caf\xc3\xa9") == "caf\xc3\xa9");  // UTF-8 passes
}

TEST_CASE("prometheus: families grouped, HELP and TYPE once, absent samples left out",
          "[lib][prometheus]") {
  CHECK(prometheus_text({}).empty());
  ServiceMetrics web, log, db;
  web.service = log.service = "web";
  log.log = true;
  db.service = "d\"b";
  web[Metric::up] = 1;
  log[Metric::up] = 1;
  db[Metric::up] = 0;
  web[Metric::restarts_total] = 3;
  db[Metric::memory_bytes] = 4096;
  CHECK(prometheus_text({web, log, db}) ==
        "# HELP svkit_service_up 1 when the service's ./run is running, else 0 (also when no "
        "supervisor runs).\n"
        "# TYPE svkit_service_up gauge\n"
        "svkit_service_up{service=\"web\"} 1\n"
        "svkit_service_up{service=\"web\",log=\"1\"} 1\n"
        "svkit_service_up{service=\"d\\\"b\"} 0\n"
        "# HELP svkit_service_restarts_total Starts of ./run since the supervisor began, minus "
        "one.\n"
        "# TYPE svkit_service_restarts_total counter\n"
        "svkit_service_restarts_total{service=\"web\"} 3\n"
        "# HELP svkit_service_memory_bytes Resident memory (sum of RSS) of the service's "
        "process tree, in bytes.\n"
        "# TYPE svkit_service_memory_bytes gauge\n"
        "svkit_service_memory_bytes{service=\"d\\\"b\"} 4096\n");
}

TEST_CASE("prometheus: every family has a name, a type, a help line", "[lib][prometheus]") {
  for (size_t i = 0; i < kMetricCount; ++i) {
    const MetricFamily& f = family(static_cast<Metric>(i));
    std::string name = f.name, type = f.type, help = f.help;
    INFO(name);
    CHECK(name.rfind("svkit_service_", 0) == 0);
    bool counter = name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0;
    CHECK(type == (counter ? "counter" : "gauge"));
    CHECK(help.find('\n') == std::string::npos);
    CHECK(help.find('\\') == std::string::npos);
  }
  CHECK(std::string(family(Metric::processes).name) == "svkit_service_processes");
}

TEST_CASE("prometheus: a service's state as samples", "[lib][prometheus]") {
  SvkitStatus ext = parse_svkit_status(
      "phase up\nready 1\nrestarts 2\nlast_exit -1 9\nsupervisor 10\nmemory_limit 1000\n");
  TreeUsage u;
  u.rss_bytes = 8192;
  u.cpu_seconds = 0.25;
  u.processes = 2;
  auto m = service_metrics("web", false, up_status(42, 1000), true, ext, u, 1030);
  CHECK(m.service == "web");
  CHECK(m[Metric::up] == std::optional<double>(1));
  CHECK(m[Metric::ready] == std::optional<double>(1));
  CHECK(m[Metric::want_up] == std::optional<double>(1));
  CHECK(m[Metric::normally_up] == std::optional<double>(1));
  CHECK(m[Metric::paused] == std::optional<double>(0));
  CHECK(m[Metric::state_seconds] == std::optional<double>(30));
  CHECK(m[Metric::restarts_total] == std::optional<double>(2));
  CHECK(m[Metric::last_exit_code] == std::optional<double>(128 + 9));  // killed by KILL
  CHECK(m[Metric::memory_bytes] == std::optional<double>(8192));
  CHECK(m[Metric::cpu_seconds_total] == std::optional<double>(0.25));
  CHECK(m[Metric::processes] == std::optional<double>(2));

  // Down, wanted down, normally down, exit 3, not measured, no readiness.
  Status down;
  down.when.sec = 1000;
  down.want = Want::down;
  auto d = service_metrics("db", false, down, false,
                           parse_svkit_status("phase down\nready -\nrestarts 0\nlast_exit 3 0\n"),
                           std::nullopt, 990);
  CHECK(d[Metric::up] == std::optional<double>(0));
  CHECK(d[Metric::want_up] == std::optional<double>(0));
  CHECK(d[Metric::normally_up] == std::optional<double>(0));
  CHECK(d[Metric::state_seconds] == std::optional<double>(0));  // clock behind: 0
  CHECK(d[Metric::last_exit_code] == std::optional<double>(3));
  CHECK_FALSE(d[Metric::ready]);
  CHECK_FALSE(d[Metric::memory_bytes]);
  CHECK_FALSE(d[Metric::cpu_seconds_total]);
  CHECK_FALSE(d[Metric::processes]);

  // Not supervised (or no such directory): only up 0, and normally_up when known.
  auto gone = service_metrics("gone", true, std::nullopt, std::nullopt, std::nullopt,
                              std::nullopt, 5);
  CHECK(gone.log);
  CHECK(gone[Metric::up] == std::optional<double>(0));
  for (size_t i = 1; i < kMetricCount; ++i) CHECK_FALSE(gone.value[i]);
  // runit's runsv: no svkit-status, so no restarts, exit code, readiness.
  auto runsv = service_metrics("r", false, up_status(7, 5), true, std::nullopt, std::nullopt, 9);
  CHECK(runsv[Metric::up] == std::optional<double>(1));
  CHECK_FALSE(runsv[Metric::restarts_total]);
  CHECK_FALSE(runsv[Metric::last_exit_code]);
  // A paused run, and a finish script running (up counts ./run only).
  Status paused = up_status(8, 5);
  paused.paused = true;
  CHECK(service_metrics("p", false, paused, true, std::nullopt, std::nullopt, 9)[Metric::paused] ==
        std::optional<double>(1));
  Status finish = up_status(8, 5);
  finish.state = RunState::finish;
  CHECK(service_metrics("f", false, finish, true, std::nullopt, std::nullopt, 9)[Metric::up] ==
        std::optional<double>(0));
}
