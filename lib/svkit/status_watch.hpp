// SPDX-License-Identifier: MIT
// status_watch: sleep until a supervise/status may have changed, or a deadline. The first
// 50 ms of a wait poll every 0.1-0.5 ms (most waits end within a few ms,
// and tearing down an inotify instance costs the exiting client up to ~15 ms of kernel RCU
// grace period); longer waits use inotify on each DIR/supervise/ (the status file is
// replaced by rename: IN_MOVED_TO; so is svkit's supervise/svkit-status, which wakes a
// wait too), or 20 ms polling where there is no inotify.
// Clients re-read the status after every wake: a wake is a hint, never a fact.
#pragma once
#include <chrono>
#include <string>
#include <vector>

#include "svkit/unique_fd.hpp"

namespace svkit {

class StatusWatch {
 public:
  using Clock = std::chrono::steady_clock;

  StatusWatch() noexcept = default;  // inotify is set up lazily, on the first long wait
  // Watches SERVICE_DIR/supervise/ (a path relative to the cwd at the time of wait(), or
  // absolute). While supervise/ does not exist yet, watches SERVICE_DIR for its creation.
  void add(const std::string& service_dir);
  // Returns true on a change (or a hint of one), false when DEADLINE passed. Never blocks
  // past the deadline. After an event that does not replace a status file (a supervisor
  // closing supervise/ok when it exits, a FIFO being created) the next waits poll every few
  // milliseconds for a short while, since the state it announces may lag the event.
  bool wait(Clock::time_point deadline);
  bool event_driven() const noexcept { return static_cast<bool>(fd_); }

 private:
  struct Entry {
    std::string dir;
    int wd_dir = -1;
    int wd_supervise = -1;
  };
  void arm(Entry& e);
  bool drain();  // true when some event concerned a status change; sets soft_until_
  bool fast_poll(Clock::time_point deadline);  // the first kFastWindow of a wait
  UniqueFd fd_;
  bool tried_inotify_ = false;
  Clock::time_point first_wait_{};
  std::chrono::microseconds step_{100};
  std::vector<Entry> entries_;
  Clock::time_point soft_until_{};
};

}  // namespace svkit
