// SPDX-License-Identifier: MIT
// paths: the on-disk names of the supervise protocol, defined once (PROTOCOL.md section 1).
#pragma once

namespace svkit {

inline constexpr const char kSuperviseDir[] = "supervise";
inline constexpr const char kLockFile[] = "supervise/lock";
inline constexpr const char kControlFifo[] = "supervise/control";
inline constexpr const char kOkFifo[] = "supervise/ok";
inline constexpr const char kStatusFile[] = "supervise/status";
inline constexpr const char kStatusNew[] = "supervise/status.new";
inline constexpr const char kStatFile[] = "supervise/stat";
inline constexpr const char kStatNew[] = "supervise/stat.new";
inline constexpr const char kPidFile[] = "supervise/pid";
inline constexpr const char kPidNew[] = "supervise/pid.new";
inline constexpr const char kExtStatusFile[] = "supervise/svkit-status";  // svkit's own
inline constexpr const char kExtStatusNew[] = "supervise/svkit-status.new";
// "PID STARTTIME BOOTID\n" of the last ./run (or log/run) started: what adoption trusts.
inline constexpr const char kStartFile[] = "supervise/svkit-start";  // svkit's own
inline constexpr const char kRunFile[] = "run";
inline constexpr const char kFinishFile[] = "finish";
inline constexpr const char kDownFile[] = "down";
inline constexpr const char kCheckFile[] = "check";
inline constexpr const char kLogDir[] = "log";

// Environment used between svscan and the supervise it starts: "R,W", two inherited fds
// of the service's log pipe, which svscan keeps open across supervise restarts.
inline constexpr const char kLogPipeEnv[] = "SVKIT_LOGPIPE";
// The absolute scan directory svscan exports to each supervise (dependency names resolve
// in it); supervise removes it before starting children.
inline constexpr const char kScanDirEnv[] = "SVKIT_SCANDIR";

}  // namespace svkit
