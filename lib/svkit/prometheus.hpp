// SPDX-License-Identifier: MIT
// prometheus: services' state as Prometheus' text exposition format 0.0.4 (svstat
// --prometheus), for node_exporter's textfile collector or any scraper. Pure.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "svkit/proc_tree.hpp"
#include "svkit/status_file.hpp"
#include "svkit/svkit_status.hpp"

namespace svkit {

// The metric families, in the order they are printed (svstat.8 lists them).
enum class Metric : uint8_t {
  up, ready, want_up, normally_up, paused, state_seconds, restarts_total, last_exit_code,
  memory_bytes, cpu_seconds_total, processes,
};
inline constexpr size_t kMetricCount = 11;

struct MetricFamily {
  const char* name;  // "svkit_service_up"
  const char* type;  // "gauge" or "counter"
  const char* help;
};
const MetricFamily& family(Metric m) noexcept;

// One service's samples: a value per family, or nullopt to leave the family out for it.
struct ServiceMetrics {
  std::string service;  // label service="..."
  bool log = false;     // label log="1": DIR/log, the service's logger
  std::array<std::optional<double>, kMetricCount> value;
  std::optional<double>& operator[](Metric m) { return value[static_cast<size_t>(m)]; }
  const std::optional<double>& operator[](Metric m) const { return value[static_cast<size_t>(m)]; }
};

// What svstat learnt about one service directory: STATUS when supervise/status could be
// read, NORMALLY_UP when DIR/down could be checked, EXT from supervise/svkit-status, USAGE
// when its tree was measured. NOW: TAI64 seconds, NOW_MS: CLOCK_REALTIME milliseconds.
ServiceMetrics service_metrics(std::string service, bool log, const std::optional<Status>& status,
                               std::optional<bool> normally_up,
                               const std::optional<SvkitStatus>& ext,
                               const std::optional<TreeUsage>& usage, uint64_t now);

// The exposition: for each family with at least one sample, "# HELP", "# TYPE", then one
// line per service that has it, in the order given. Empty when no sample at all.
std::string prometheus_text(const std::vector<ServiceMetrics>& services);

// A label value's escapes (backslash, double quote, newline), without the quotes.
std::string prometheus_label(std::string_view value);

// A sample value: integers without a fraction ("42", "-1"), others with up to 3 decimals.
std::string prometheus_value(double v);

}  // namespace svkit
