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

// While one exists, a POSIX-only build answers every question above from one `ps` listing,
// taken when the first is asked and dropped with the last OneListing: a tree signalled
// with TERM then CONT, a service's tree minus its logger's side and its helpers, or one
// svstat costs one ps instead of one per question. Nests; single-threaded use. On Linux,
// where each question reads only the tree's own /proc files, it does nothing.
class OneListing {
 public:
  OneListing() noexcept;
  ~OneListing();
  OneListing(const OneListing&) = delete;
  OneListing& operator=(const OneListing&) = delete;
};

// Measures the same tree again and again (the watchdog's samples). It keeps each member's
// /proc files open between samples and re-reads them with pread: on Linux that costs a
// fraction of an open+read+close (no path walk through /proc), and a file whose process
// ended fails to read (ESRCH) rather than show a later process that took the same pid.
// At most 64 processes' files are kept (2 each, close-on-exec); beyond, and for a process
// with several threads, the files are opened per sample. POSIX-only build: usage_below().
// Use: begin(); add(...) once per root; end() (closes what was not met again).
class TreeSampler {
 public:
  TreeSampler() = default;
  TreeSampler(const TreeSampler&) = delete;
  TreeSampler& operator=(const TreeSampler&) = delete;
  ~TreeSampler() { reset(); }
  void begin();
  // Adds to U the usage of ROOT's descendants, and of ROOT itself when WITH_ROOT, but for
  // the subtrees rooted at the pids of SKIP. ROOT may be the calling process.
  void add(TreeUsage& u, pid_t root, bool with_root, const std::vector<pid_t>& skip);
  void end();
  void reset();  // closes every kept file
  size_t kept() const { return members_.size(); }

 private:
  struct Member {
    pid_t pid;
    int stat_fd;      // /proc/PID/stat, -1: not opened
    int children_fd;  // /proc/PID/task/PID/children, -1: not opened
    bool seen;
  };
  Member* member(pid_t pid);
  std::vector<Member> members_;
};

}  // namespace svkit
