// SPDX-License-Identifier: MIT
// prometheus: the text exposition format 0.0.4 of svstat --prometheus.
#include "svkit/prometheus.hpp"

#include <cmath>
#include <cstdio>

#include "svkit/status_text.hpp"

namespace svkit {
namespace {

constexpr MetricFamily kFamilies[kMetricCount] = {
    {"svkit_service_up", "gauge",
     "1 when the service's ./run is running, else 0 (also when no supervisor runs)."},
    {"svkit_service_ready", "gauge",
     "1 when the service reported readiness, 0 when not (yet); absent without readiness."},
    {"svkit_service_want_up", "gauge", "1 when the supervisor wants the service up, 0 down."},
    {"svkit_service_normally_up", "gauge", "1 when the service directory has no down file."},
    {"svkit_service_paused", "gauge", "1 when the service is paused (stopped by svc -p)."},
    {"svkit_service_state_seconds", "gauge", "Seconds since the service's last state change."},
    {"svkit_service_restarts_total", "counter",
     "Starts of ./run since the supervisor began, minus one."},
    {"svkit_service_last_exit_code", "gauge",
     "Exit code of the last ./run, or 128 + the signal that killed it."},
    {"svkit_service_memory_bytes", "gauge",
     "Resident memory (sum of RSS) of the service's process tree, in bytes."},
    {"svkit_service_cpu_seconds_total", "counter",
     "User and system CPU time of the living processes of the service's tree, in seconds."},
    {"svkit_service_processes", "gauge", "Number of processes in the service's tree."},
};

double flag(bool b) { return b ? 1 : 0; }

}  // namespace

const MetricFamily& family(Metric m) noexcept { return kFamilies[static_cast<size_t>(m)]; }

ServiceMetrics service_metrics(std::string service, bool log, const std::optional<Status>& status,
                               std::optional<bool> normally_up,
                               const std::optional<SvkitStatus>& ext,
                               const std::optional<TreeUsage>& usage, uint64_t now) {
  ServiceMetrics m;
  m.service = std::move(service);
  m.log = log;
  m[Metric::up] = flag(status && status->pid != 0 && status->state == RunState::run);
  if (normally_up) m[Metric::normally_up] = flag(*normally_up);
  if (status) {
    if (status->want != Want::none) m[Metric::want_up] = flag(status->want == Want::up);
    m[Metric::paused] = flag(status->pid != 0 && status->paused);
    m[Metric::state_seconds] = static_cast<double>(seconds_since(*status, now));
  }
  if (status && ext) {
    if (ext->ready) m[Metric::ready] = flag(*ext->ready);
    if (ext->restarts) m[Metric::restarts_total] = static_cast<double>(*ext->restarts);
    if (ext->last_exit) {
      auto [code, sig] = *ext->last_exit;
      m[Metric::last_exit_code] = code >= 0 ? code : 128 + sig;
    }
  }
  if (usage) {
    m[Metric::memory_bytes] = static_cast<double>(usage->rss_bytes);
    m[Metric::cpu_seconds_total] = usage->cpu_seconds;
    m[Metric::processes] = static_cast<double>(usage->processes);
  }
  return m;
}

std::string prometheus_label(std::string_view value) {
  std::string o;
  for (char ch : value) {
    if (ch == '\\') o += "\\\\";
    else if (ch == '"') o += "\\\"";
    else if (ch == '\n') o += "\\n";
    else o += ch;
  }
  return o;
}

std::string prometheus_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 9e15) return std::to_string(static_cast<int64_t>(v));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string prometheus_text(const std::vector<ServiceMetrics>& services) {
  std::string o;
  for (size_t f = 0; f < kMetricCount; ++f) {
    const MetricFamily& fam = kFamilies[f];
    bool header = false;
    for (const ServiceMetrics& s : services) {
      if (!s.value[f]) continue;
      if (!header) {
        o += std::string("# HELP ") + fam.name + ' ' + fam.help + '\n';
        o += std::string("# TYPE ") + fam.name + ' ' + fam.type + '\n';
        header = true;
      }
      o += fam.name;
      o += "{service=\"" + prometheus_label(s.service) + '"';
      if (s.log) o += ",log=\"1\"";
      o += "} " + prometheus_value(*s.value[f]) + '\n';
    }
  }
  return o;
}

}  // namespace svkit
