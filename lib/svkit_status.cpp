// SPDX-License-Identifier: MIT
// svkit_status: parse supervise/svkit-status; svstat's JSON for it; readiness for sv.
#include "svkit/svkit_status.hpp"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <limits>

#include "svkit/paths.hpp"
#include "svkit/status_text.hpp"

namespace svkit {
namespace {

constexpr uint64_t kMaxPid = 4194304;  // Linux's PID_MAX_LIMIT; other systems are lower

std::optional<uint64_t> parse_u64(std::string_view t) noexcept {
  if (t.empty() || t.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char ch : t) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(ch - '0');
  }
  return v;
}

std::optional<int> parse_int(std::string_view t) noexcept {
  bool neg = !t.empty() && t[0] == '-';
  if (neg) t.remove_prefix(1);
  auto v = parse_u64(t);
  if (!v || *v > static_cast<uint64_t>(std::numeric_limits<int>::max())) return std::nullopt;
  return neg ? -static_cast<int>(*v) : static_cast<int>(*v);
}

std::string_view trim(std::string_view t) noexcept {
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t' || t.back() == '\r')) t.remove_suffix(1);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  return t;
}

bool plain_word(std::string_view t) noexcept {
  if (t.empty() || t.size() > 32) return false;
  for (char ch : t)
    if (!((ch >= 'a' && ch <= 'z') || ch == '_' || ch == '-')) return false;
  return true;
}

void put_time_since(std::string& o, int64_t ms) {  // seconds with 3 decimals, >= 0
  if (ms < 0) ms = 0;
  o += std::to_string(ms / 1000);
  int frac = static_cast<int>(ms % 1000);
  o += '.';
  o += static_cast<char>('0' + frac / 100);
  o += static_cast<char>('0' + frac / 10 % 10);
  o += static_cast<char>('0' + frac % 10);
}

}  // namespace

std::optional<int64_t> parse_time_ms(std::string_view t) noexcept {
  auto dot = t.find('.');
  auto whole = parse_u64(t.substr(0, dot));
  if (!whole || *whole > 9000000000000ull) return std::nullopt;  // beyond year 287000
  int64_t ms = static_cast<int64_t>(*whole) * 1000;
  if (dot == std::string_view::npos) return ms;
  std::string_view frac = t.substr(dot + 1);
  if (frac.empty() || frac.size() > 9) return std::nullopt;
  int scale = 100;
  for (char ch : frac) {
    if (ch < '0' || ch > '9') return std::nullopt;
    ms += (ch - '0') * scale;
    scale /= 10;
  }
  return ms;
}

SvkitStatus parse_svkit_status(std::string_view text) {
  SvkitStatus s;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    auto sp = line.find(' ');
    std::string_view key = line.substr(0, sp);
    std::string_view raw = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
    std::string_view value = trim(raw);
    if (key == "phase") {
      s.phase = plain_word(value) ? std::string(value) : std::string();
    } else if (key == "ready") {
      s.ready = value == "1" ? std::optional<bool>(true)
                : value == "0" ? std::optional<bool>(false) : std::nullopt;
    } else if (key == "ready_since") {
      s.ready_since_ms = parse_time_ms(value);
    } else if (key == "restarts") {
      s.restarts = parse_u64(value);
    } else if (key == "last_exit") {
      s.last_exit.reset();
      auto mid = value.find(' ');
      if (mid != std::string_view::npos) {
        auto code = parse_int(value.substr(0, mid));
        auto sig = parse_int(trim(value.substr(mid + 1)));
        if (code && sig && *sig >= 0) s.last_exit = std::make_pair(*code, *sig);
      }
    } else if (key == "reason") {
      while (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
      s.reason = std::string(raw);
    } else if (key == "waiting_for") {
      s.waiting_for.clear();
      while (!value.empty()) {
        auto end = value.find(' ');
        if (end != 0) s.waiting_for.emplace_back(value.substr(0, end));
        value = end == std::string_view::npos ? std::string_view() : value.substr(end + 1);
      }
    } else if (key == "backoff_until") {
      s.backoff_until_ms = parse_time_ms(value);
    } else if (key == "supervisor") {
      auto pid = parse_u64(value);
      s.supervisor.reset();
      if (pid && *pid > 0 && *pid <= kMaxPid) s.supervisor = static_cast<int64_t>(*pid);
    } else if (key == "memory_limit") {
      s.memory_limit = parse_u64(value);
    } else if (key == "cpu_limit") {
      s.cpu_limit.reset();
      auto mid = value.find(' ');
      if (mid != std::string_view::npos) {
        auto percent = parse_u64(value.substr(0, mid));
        auto seconds = parse_u64(trim(value.substr(mid + 1)));
        if (percent && seconds) s.cpu_limit = SvkitStatus::CpuLimit{*percent, *seconds};
      }
    } else if (key == "watchdog_interval") {
      s.watchdog_interval_ms = parse_u64(value);
    } else if (key == "watchdog_trip") {
      s.watchdog_trip.reset();
      auto mid = value.find(' ');
      auto when = parse_time_ms(value.substr(0, mid));
      if (when)
        s.watchdog_trip = SvkitStatus::Trip{
            *when, mid == std::string_view::npos ? std::string() : std::string(trim(value.substr(mid + 1)))};
    }
  }
  return s;
}

std::optional<SvkitStatus> read_svkit_status(const std::string& dir) {
  std::string path = dir.empty() || dir == "." ? std::string(kExtStatusFile)
                                               : dir + "/" + kExtStatusFile;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd == -1) return std::nullopt;
  std::string text;
  char buf[1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > 64 * 1024) break;  // not ours: the format is < 1 KiB
  }
  ::close(fd);
  return parse_svkit_status(text);
}

std::string phase_of(const std::optional<SvkitStatus>& ext, RunState runit_state) {
  if (ext && !ext->phase.empty()) return ext->phase;
  switch (runit_state) {
    case RunState::run: return "up";
    case RunState::finish: return "finishing";
    case RunState::down: break;
  }
  return "down";
}

std::string json_svkit_fields(const std::optional<SvkitStatus>& ext,
                              std::optional<RunState> runit_state, int64_t now_ms) {
  std::string o = "\"ready\":";
  bool ready = ext && ext->ready.value_or(false);
  o += !ext || !ext->ready ? "null" : ready ? "true" : "false";
  o += ",\"ready_since\":";
  if (ready && ext->ready_since_ms) put_time_since(o, now_ms - *ext->ready_since_ms);
  else o += "null";
  o += ",\"restarts\":";
  o += ext && ext->restarts ? std::to_string(*ext->restarts) : "null";
  o += ",\"last_exit\":";
  if (ext && ext->last_exit)
    o += "{\"code\":" + std::to_string(ext->last_exit->first) +
         ",\"signal\":" + std::to_string(ext->last_exit->second) + "}";
  else
    o += "null";
  o += ",\"phase\":";
  if (ext && !ext->phase.empty()) o += json_string(ext->phase);
  else if (runit_state) o += json_string(phase_of(std::nullopt, *runit_state));
  else o += "null";
  o += ",\"reason\":";
  o += ext && !ext->reason.empty() ? json_string(ext->reason) : "null";
  o += ",\"waiting_for\":";
  if (ext) {
    o += '[';
    for (size_t i = 0; i < ext->waiting_for.size(); ++i) {
      if (i) o += ',';
      o += json_string(ext->waiting_for[i]);
    }
    o += ']';
  } else {
    o += "null";
  }
  o += ",\"backoff_ms\":";
  if (ext && ext->backoff_until_ms)
    o += std::to_string(*ext->backoff_until_ms > now_ms ? *ext->backoff_until_ms - now_ms : 0);
  else
    o += "null";
  return o;
}

std::string decimal_seconds(double seconds) {
  if (!(seconds > 0)) return "0.000";  // also NaN
  if (seconds > 1e15) seconds = 1e15;
  auto ms = static_cast<int64_t>(seconds * 1000 + 0.5);
  std::string o;
  put_time_since(o, ms);
  return o;
}

std::string json_measure_fields(const std::optional<SvkitStatus>& ext,
                                const std::optional<TreeUsage>& usage) {
  std::string o = "\"memory_bytes\":";
  o += usage ? std::to_string(usage->rss_bytes) : "null";
  o += ",\"cpu_seconds\":";
  o += usage ? decimal_seconds(usage->cpu_seconds) : "null";
  o += ",\"processes\":";
  o += usage ? std::to_string(usage->processes) : "null";
  o += ",\"watchdog\":";
  if (!ext) return o += "null";
  o += "{\"memory_limit\":";
  o += ext->memory_limit ? std::to_string(*ext->memory_limit) : "null";
  o += ",\"cpu_limit\":";
  if (ext->cpu_limit)
    o += "{\"percent\":" + std::to_string(ext->cpu_limit->percent) +
         ",\"seconds\":" + std::to_string(ext->cpu_limit->seconds) + "}";
  else
    o += "null";
  o += ",\"interval_ms\":";
  o += ext->watchdog_interval_ms ? std::to_string(*ext->watchdog_interval_ms) : "null";
  o += ",\"last_trip\":";
  if (ext->watchdog_trip) {
    o += "{\"time\":";
    put_time_since(o, ext->watchdog_trip->time_ms);
    o += ",\"reason\":" + json_string(ext->watchdog_trip->reason) + "}";
  } else {
    o += "null";
  }
  return o += '}';
}

Readiness readiness(const std::optional<SvkitStatus>& ext, int64_t started_ms) noexcept {
  if (!ext) return Readiness::none;
  // Written for an earlier state (supervise replaces it just after status): not yet known.
  if (ext->phase != "up" && ext->phase != "starting") return Readiness::not_ready;
  if (!ext->ready) return Readiness::none;
  if (!*ext->ready || !ext->ready_since_ms || *ext->ready_since_ms < started_ms)
    return Readiness::not_ready;
  return Readiness::ready;
}

int64_t unix_ms(const Tai64n& t) noexcept {
  return t.unix_seconds() * 1000 + static_cast<int64_t>(t.nano / 1000000);
}

}  // namespace svkit
