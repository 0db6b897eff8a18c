// SPDX-License-Identifier: MIT
// svkit_status: the client side of supervise/svkit-status (svkit's state beside runit's
// status: phase, readiness, restarts, last exit, reason, dependencies waited for, back-off;
// one "key value" line each, unknown keys ignored). Parsing and svstat's JSON are pure;
// read_svkit_status() reads the file.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "svkit/proc_tree.hpp"
#include "svkit/status_file.hpp"

namespace svkit {

struct SvkitStatus {
  std::string phase;                         // down|starting|up|finishing|stopping|backoff|
                                             // waiting|failed (or a later word); "" missing
  std::optional<bool> ready;                 // nullopt: "-" (no readiness) or unreadable
  std::optional<int64_t> ready_since_ms;     // CLOCK_REALTIME milliseconds
  std::optional<uint64_t> restarts;
  std::optional<std::pair<int, int>> last_exit;  // (exit code, signal); (-1, SIG) killed
  std::string reason;
  std::vector<std::string> waiting_for;
  std::optional<int64_t> backoff_until_ms;   // CLOCK_REALTIME milliseconds
  // The watchdog (supervise.8): its limits, and who to measure.
  std::optional<int64_t> supervisor;         // pid of supervise; svstat measures its tree
  std::optional<uint64_t> memory_limit;      // bytes; nullopt: "-" (none) or malformed
  struct CpuLimit {
    uint64_t percent = 0;                    // of one core
    uint64_t seconds = 0;                    // averaged over
    bool operator==(const CpuLimit& o) const { return percent == o.percent && seconds == o.seconds; }
  };
  std::optional<CpuLimit> cpu_limit;
  std::optional<uint64_t> watchdog_interval_ms;  // set only while the service is watched
  struct Trip {
    int64_t time_ms = 0;                     // CLOCK_REALTIME milliseconds
    std::string reason;                      // "memory 300M > 256M"
  };
  std::optional<Trip> watchdog_trip;         // the last one since this supervise began
  // Watched: a memory or CPU limit is in force (svstat then always measures the tree).
  bool watched() const noexcept { return memory_limit || cpu_limit; }
};

// Parses the file's text. Lines may come in any order; a later line of the same key wins;
// a malformed value leaves its field unset (null), never the whole record.
SvkitStatus parse_svkit_status(std::string_view text);

// "1764088000.123" (seconds with up to 9 decimals, or none) as milliseconds; nullopt for
// "-" or anything malformed.
std::optional<int64_t> parse_time_ms(std::string_view text) noexcept;

// Reads DIR/supervise/svkit-status (DIR "" or "." = the current directory); nullopt when
// it does not exist or cannot be read (runit's runsv, daemontools', an older supervise).
std::optional<SvkitStatus> read_svkit_status(const std::string& dir);

// The phase to show: the file's, or without it runit's state (run -> up, finish ->
// finishing, down -> down).
std::string phase_of(const std::optional<SvkitStatus>& ext, RunState runit_state);

// svstat --json's policy fields without braces, e.g. "\"ready\":true,\"ready_since\":1.5,
// \"restarts\":0,\"last_exit\":null,\"phase\":\"up\",\"reason\":null,\"waiting_for\":[],
// \"backoff_ms\":null". RUNIT_STATE is null when the status could not be read (then phase
// is null too unless the file says it). NOW_MS: CLOCK_REALTIME milliseconds.
std::string json_svkit_fields(const std::optional<SvkitStatus>& ext,
                              std::optional<RunState> runit_state, int64_t now_ms);

// svstat --json's measure and watchdog fields without braces: "\"memory_bytes\":N,
// \"cpu_seconds\":X,\"processes\":N" from USAGE (null each when not measured), then
// "\"watchdog\":{\"memory_limit\":N|null,\"cpu_limit\":{\"percent\":P,\"seconds\":S}|null,
// \"interval_ms\":N|null,\"last_trip\":{\"time\":T,\"reason\":\"...\"}|null}" from EXT
// (null without the file). T: CLOCK_REALTIME seconds with milliseconds.
std::string json_measure_fields(const std::optional<SvkitStatus>& ext,
                                const std::optional<TreeUsage>& usage);

// Seconds with 3 decimals ("12.340"), as svstat prints CPU time; "0.000" below 0.
std::string decimal_seconds(double seconds);

// Readiness of a run that started at STARTED_MS (the status record's time), for a status
// that says run: none (no file, or "ready -"), not ready, or ready since STARTED_MS or
// later. supervise rewrites the file just after status, so a file still written for the
// previous state (phase other than up/starting, or a "ready 1" older than this run) is
// "not ready" yet, never "none".
enum class Readiness { none, not_ready, ready };
Readiness readiness(const std::optional<SvkitStatus>& ext, int64_t started_ms) noexcept;

// CLOCK_REALTIME milliseconds of a status record's time.
int64_t unix_ms(const Tai64n& t) noexcept;

}  // namespace svkit
