// SPDX-License-Identifier: MIT
// watch: svkit::DirWatch plus svscan's policy for when it fails.
#include "watch.hpp"

#include <errno.h>

#include "svkit/diag.hpp"

namespace svscan {

void Watch::open(const std::string& dir) {
  on_ = w_.open(dir);
  if (on_ || !possible_) return;
  if (errno == ENOSYS) possible_ = false;
  else svkit::warn_sys({"unable to watch ", dir, " (rescanning every second)"});
}

bool Watch::take(Scanner& scanner, const std::string& dir) {
  svkit::DirEvents ev;
  if (!w_.read(ev)) {
    svkit::warn_sys({"unable to read events for ", dir});
    ev.reopen = true;
  }
  if (ev.reopen) {
    w_.close();
    on_ = false;
  }
  if (ev.reopen || ev.rescan) return true;
  return !scanner.apply(ev);
}

}  // namespace svscan
