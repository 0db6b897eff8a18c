// SPDX-License-Identifier: MIT
// policy: svkit's optional service-directory files beyond runit's (notification-fd,
// check, timeout-ready, down-signal, timeout-kill, timeout-finish, restart-backoff,
// restart-limit, alert, dependencies.d; man/supervise.8), their pure parsers, the
// back-off and restart-limit arithmetic, and the supervise/svkit-status text. Nothing here
// allocates: supervise reads these files before every start of ./run.
#pragma once
#include <signal.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "svkit/supervisor.hpp"

namespace svkit {

// The files with a value, in this order, then dependencies.d (malformed when it is not a
// directory); bit i of Policy::malformed is file i.
enum class PolicyFile : uint8_t {
  notification_fd, timeout_ready, down_signal, timeout_kill, timeout_finish,
  restart_backoff, restart_limit, memory_limit, cpu_limit, watchdog_interval,
  dependencies_d, count
};
const char* policy_file_name(PolicyFile f) noexcept;

inline constexpr size_t kPolicyFileMax = 64;        // longer is malformed ("huge")
inline constexpr uint32_t kMaxMillis = 2147483647;  // any ms value; poll() takes an int
inline constexpr int kMaxNotificationFd = 1023;
inline constexpr uint32_t kMaxRestartCount = 32;    // restart-limit COUNT (a fixed tally)
inline constexpr uint32_t kMaxRestartSeconds = 1000000;
inline constexpr uint32_t kWatchdogDefaultMs = 1000;  // watchdog-interval's default
inline constexpr uint32_t kWatchdogMinMs = 10;        // a smaller interval is malformed
inline constexpr uint32_t kMaxCpuPercent = 100000;    // 1000 cores
inline constexpr uint32_t kMaxCpuSeconds = 86400;

struct Policy {
  int16_t notification_fd = -1;   // -1: none
  uint8_t down_signal = SIGTERM;
  bool check = false;             // ./check is executable (used only without notification-fd)
  bool alert = false;             // ./alert is executable
  bool dependencies = false;      // dependencies.d is a directory
  uint16_t malformed = 0;         // bit per PolicyFile: present but malformed (= absent)
  uint32_t timeout_ready_ms = 0;  // 0: none
  uint32_t timeout_kill_ms = 0;
  uint32_t timeout_finish_ms = 0;
  uint32_t backoff_initial_ms = 0;  // 0: no restart-backoff (runit's 1 start/s throttle)
  uint32_t backoff_max_ms = 0;
  uint32_t limit_count = 0;         // 0: no restart-limit
  uint32_t limit_ms = 0;
  // The watchdog (memory-limit, cpu-limit, watchdog-interval): 0 = none.
  uint64_t memory_limit = 0;        // bytes
  uint32_t cpu_percent = 0;         // PERCENT of one core ...
  uint32_t cpu_seconds = 0;         // ... on average over SECONDS
  uint32_t watchdog_ms = 0;         // sampling interval; 0 when neither limit is set

  bool has_readiness() const noexcept { return notification_fd >= 0 || check; }
  bool watched() const noexcept { return memory_limit || cpu_percent; }
};

// Parsers of one file's content. Surrounding blanks and newlines are ignored; anything
// else that is not the documented form gives nullopt (the file counts as absent).
std::optional<uint32_t> parse_millis(std::string_view text) noexcept;       // 0..kMaxMillis
std::optional<int> parse_notification_fd(std::string_view text) noexcept;  // 3..1023
std::optional<int> parse_signal(std::string_view text) noexcept;  // TERM, SIGTERM, 15
// "INITIAL_MS MAX_MS", 1 <= INITIAL <= MAX.
std::optional<std::pair<uint32_t, uint32_t>> parse_backoff(std::string_view text) noexcept;
// "COUNT SECONDS", 1 <= COUNT <= 32, 1 <= SECONDS <= 1000000; returns (COUNT, ms).
std::optional<std::pair<uint32_t, uint32_t>> parse_restart_limit(std::string_view text) noexcept;
// memory-limit: BYTES with an optional K, M or G suffix (powers of 1024), >= 1.
std::optional<uint64_t> parse_memory_limit(std::string_view text) noexcept;
// cpu-limit: "PERCENT SECONDS", 1 <= PERCENT <= 100000, 1 <= SECONDS <= 86400.
std::optional<std::pair<uint32_t, uint32_t>> parse_cpu_limit(std::string_view text) noexcept;
// watchdog-interval: milliseconds, kWatchdogMinMs..kMaxMillis.
std::optional<uint32_t> parse_watchdog_interval(std::string_view text) noexcept;
// "300M", "1.5G", "512K", "100" (bytes): a size as people read it (reasons, status).
// Writes at most 24 bytes with the NUL; returns the length.
size_t format_size(uint64_t bytes, char out[24]) noexcept;

// Reads the files below DIRFD (a service directory). Missing files are absent; a file
// that cannot be parsed is absent and flagged in malformed.
Policy read_policy(int dirfd) noexcept;

// restart-backoff: the wait before the next start after an exit. CURRENT is the wait
// for this exit (0 before the first); RAN_MS how long the run was up (and ready).
// Returns the wait and leaves CURRENT at the wait for the next exit.
uint32_t next_backoff(const Policy& p, uint32_t& current, int64_t ran_ms) noexcept;

// restart-limit: the times of the last exits (ms, any monotonic origin).
struct ExitTally {
  uint32_t at[kMaxRestartCount];
  uint8_t n = 0, head = 0;
  void clear() noexcept { n = head = 0; }
  // Records an exit at NOW; true when COUNT exits fell within WINDOW_MS.
  bool add(uint32_t now, uint32_t count, uint32_t window_ms) noexcept;
};

// supervise/svkit-status (WAVE2 interface 1). Times are CLOCK_REALTIME milliseconds.
struct ExtStatus {
  Phase phase = Phase::down;
  int ready = -1;                  // -1: no readiness, 0 not ready, 1 ready
  int64_t ready_since_ms = -1;     // -1: not ready
  uint32_t restarts = 0;
  bool has_exit = false;
  int exit_code = 0, exit_signal = 0;
  const char* reason = "";
  const char* waiting_for = "";
  int64_t backoff_until_ms = -1;   // -1: none
  pid_t pid = 0;                   // the process supervised now (run or finish), 0: none
  uint64_t pid_start = 0;          // its kernel start time (/proc/PID/stat field 22)
  // WAVE3: the watchdog (written always, "-" when none).
  pid_t supervisor = 0;            // the supervise process
  uint64_t memory_limit = 0;
  uint32_t cpu_percent = 0, cpu_seconds = 0;
  uint32_t watchdog_ms = 0;
  int64_t trip_ms = -1;            // the last watchdog trip (CLOCK_REALTIME ms), -1 none
  const char* trip_reason = "";
};
inline constexpr size_t kExtStatusMax = 1536;
// Returns the text's length (truncated reason/waiting_for keep it below kExtStatusMax).
size_t format_ext_status(const ExtStatus& e, char out[kExtStatusMax]) noexcept;

// The kernel start time of a process (clock ticks since boot, /proc/PID/stat field 22)
// from that file's TEXT; 0 when it cannot be parsed. start_time_of(PID) reads the file
// (Linux; 0 when the process is gone). In a POSIX-only build it is
// portable_start_time(PID) instead (svkit/process_start.hpp: another unit, same use).
uint64_t parse_start_time(std::string_view stat_text) noexcept;
uint64_t start_time_of(pid_t pid) noexcept;
// The "pid_start PID TICKS" line of an svkit-status TEXT: false when there is none.
bool parse_pid_start(std::string_view text, pid_t& pid, uint64_t& ticks) noexcept;

}  // namespace svkit
