// SPDX-License-Identifier: MIT
// launcher: starts one `supervise NAME` (the one next to svscan) in the scan directory,
// handing over the service's log pipe as fds 3 and 4 with SVKIT_LOGPIPE=3,4, and the scan
// directory as SVKIT_SCANDIR.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

namespace svscan {

class Launcher {
 public:
  Launcher(std::string supervise_path, std::string scan_dir);
  const std::string& path() const { return path_; }
  // Returns the pid (without waiting for the exec: a failed exec is a child exiting 127 when
  // supervise does not exist, 126 otherwise), or -1 with errno when fork failed.
  // LOG_R/LOG_W < 0: no pipe to hand over.
  pid_t start(const std::string& name, int log_r, int log_w) const noexcept;

 private:
  std::string path_, dir_;
  std::vector<std::string> env_strings_;
  std::vector<char*> env_plain_, env_log_;  // our environment without / with SVKIT_LOGPIPE
};

}  // namespace svscan
