// SPDX-License-Identifier: MIT
// watch: the scan directory's change notification as svscan uses it: open it when it can,
// say once why it cannot, and fall back to rescanning every second.
#pragma once
#include <chrono>
#include <string>

#include "scanner.hpp"
#include "svkit/dir_watch.hpp"

namespace svscan {

class Watch {
 public:
  // The rescan period where no watcher is open: always in a POSIX-only build without
  // kqueue, or after inotify failed (e.g. no watches left). daemontools waits 5 s; 1 s
  // keeps a new service's pickup close to the event-driven path at the cost of one
  // readdir of the scan directory per second. SIGALRM rescans at once.
  static constexpr std::chrono::seconds kRescan{1};
  // Starts watching DIR; on failure warns (unless no watcher exists here at all).
  void open(const std::string& dir);
  bool on() const { return on_; }
  bool possible() const { return possible_; }
  int fd() const { return w_.fd(); }
  // Hands the named changes to SCANNER; true when everything must be rescanned instead
  // (also when SCANNER could not apply them)
  // (the watch is then closed if DIR itself went away: open() it again).
  bool take(Scanner& scanner, const std::string& dir);

 private:
  svkit::DirWatch w_;
  bool on_ = false;
  bool possible_ = true;  // false where no watcher exists at all (ENOSYS)
};

}  // namespace svscan
