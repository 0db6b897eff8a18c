// SPDX-License-Identifier: MIT
// proc_tree: the processes below one process (a service's tree under its supervise) and
// what they use: resident memory, CPU time, count. Linux reads /proc (the children lists
// of ROOT's tasks, then of theirs: no walk of all of /proc); a POSIX-only build reads one
// `ps -A -o pid=,ppid=,rss=,time=` listing.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <optional>
#include <vector>

namespace svkit {

// Every descendant of ROOT (ROOT excluded), depth-first, bounded (at most 65536);
// Linux: /proc/PID/task/TID/children (no walk of all of /proc); POSIX: one `ps` listing.
std::vector<pid_t> descendants(pid_t root);

struct TreeUsage {
  uint64_t rss_bytes = 0;     // sum of resident set sizes (RSS) of the processes
  double cpu_seconds = 0;     // sum of user+system time of the processes (living ones)
  size_t processes = 0;       // number of processes
};

// Usage of ROOT's descendants (ROOT excluded); nullopt when ROOT does not exist.
std::optional<TreeUsage> tree_usage(pid_t root);

// Usage of exactly the processes PIDS (those that still exist; none counted twice is the
// caller's care). supervise measures its service's tree this way: its descendants minus
// the logger's side.
TreeUsage usage_of(const std::vector<pid_t>& pids);

// Usage of ROOT's descendants (ROOT excluded) but for the subtrees rooted at the pids of
// SKIP, in one walk: on Linux one read of /proc/PID/stat and one of its children list per
// single-threaded process. supervise's watchdog samples its service this way.
TreeUsage usage_below(pid_t root, const std::vector<pid_t>& skip);

}  // namespace svkit
