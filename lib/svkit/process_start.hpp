// SPDX-License-Identifier: MIT
// process_start: when a process started, as a number that stays the same for its whole
// life, for the platforms without /proc (svkit::start_time_of uses /proc/PID/stat on Linux).
#pragma once
#include <stdint.h>
#include <sys/types.h>

#include <string_view>

namespace svkit {

// The start time of PID; 0 when PID does not exist, is a zombie, or cannot be read.
//  - macOS: proc_pidinfo(PROC_PIDTBSDINFO): microseconds since the epoch, exact.
//  - any other POSIX system: `ps -o stat=,lstart= -p PID` (LC_ALL=C, TZ=UTC0): seconds
//    since the epoch. Costs one fork+exec of ps (tens of milliseconds on a busy machine).
uint64_t portable_start_time(pid_t pid) noexcept;

// As portable_start_time(), but a look-up that failed is told apart from a process that is
// gone: false when the answer is not known this time (ps could not be started, was killed
// after 5 s, or memory ran out); true with START = 0 when PID does not exist or is a zombie.
// supervise never takes "not known" for "gone": that would start a duplicate.
bool portable_start_lookup(pid_t pid, uint64_t& start) noexcept;

// The start time of CHILD, a process this one started a moment ago, cheaply: macOS asks
// the kernel; elsewhere it is the clock now (no ps on the path that starts a service), which
// agrees with what portable_start_time() says later within kStartSlack seconds.
uint64_t child_start_time(pid_t child) noexcept;

// Whether two start times name the same process start: equal on macOS; elsewhere within
// kStartSlack seconds of each other (ps shows whole seconds, rounded down from a boot time
// that is itself whole seconds). So a pid reused within 2 s by another process would be
// taken for the first one: a weaker guarantee than Linux's clock ticks + boot id.
inline constexpr uint64_t kStartSlack = 2;
bool same_start(uint64_t a, uint64_t b) noexcept;

// The start time in a `ps -o stat=,lstart= -p PID` LINE ("S    Wed Nov 25 19:50:15 2026",
// UTC): seconds since the epoch; 0 for a zombie (state Z) or a line that does not parse.
uint64_t parse_ps_start(std::string_view line) noexcept;

}  // namespace svkit
