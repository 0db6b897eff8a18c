// SPDX-License-Identifier: MIT
// dir_watch: change notification for one directory's entries (inotify on Linux, kqueue on
// macOS/BSD). Where neither exists open() fails with ENOSYS and the caller rescans on a
// timer. Changes inside a symlink's target are not seen: only DIR's own entries.
#pragma once
#include <string>
#include <vector>

#include "svkit/unique_fd.hpp"

namespace svkit {

struct DirChange {
  std::string name;          // entry of DIR that was created, removed, renamed, changed
  bool dir_removed = false;  // a real directory of that name was removed (its inode is free)
};

struct DirEvents {
  std::vector<DirChange> changes;
  bool rescan = false;  // names unknown (queue overflow, kqueue): look at everything
  bool reopen = false;  // DIR itself was removed, moved or unmounted: open() again
};

class DirWatch {
 public:
  // Starts watching DIR (a symlink is followed). False with errno; ENOSYS: no watcher here.
  bool open(const std::string& dir) noexcept;
  void close() noexcept;
  int fd() const noexcept { return fd_.get(); }  // readable when events wait; -1 if closed
  // Appends everything pending to OUT without blocking. False with errno on a read error.
  bool read(DirEvents& out) noexcept;

 private:
  UniqueFd fd_;
  UniqueFd dir_fd_;  // kqueue only: the watched directory
};

}  // namespace svkit
