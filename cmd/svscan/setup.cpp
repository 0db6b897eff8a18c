// SPDX-License-Identifier: MIT
// setup: argument parsing and process preparation for svscan.
#include "setup.hpp"
#include "svkit/platform.hpp"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#if SVKIT_LINUX
#include <sys/prctl.h>
#endif

#include "svkit/config.hpp"
#include "svkit/diag.hpp"
#include "svkit/inherited_fds.hpp"
#include "svkit/self_exe.hpp"

namespace svscan {

static constexpr char kUsage[] = "svscan [-P] [dir [log]]";

std::string parse_args(int argc, char** argv) {
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1]; ++i) {
    if (strcmp(argv[i], "--") == 0) {
      ++i;
      break;
    }
    if (strcmp(argv[i], "-P") != 0) svkit::die_usage(kUsage);  // -P: accepted, no effect
  }
  // argv[i + 1], runsvdir's proctitle log, is accepted and ignored.
  if (argc - i > 2) svkit::die_usage(kUsage);
  std::string dir = i < argc ? argv[i] : SVKIT_SERVICE_DIR;
  if (dir.empty()) svkit::die_usage(kUsage);
  if (dir[0] != '/') {
    char cwd[4096];
    if (!::getcwd(cwd, sizeof cwd)) svkit::die_sys(svkit::kExitTemporary, {"unable to get the current directory"});
    dir = std::string(cwd) + "/" + dir;
  }
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

void prepare_process() {
#if SVKIT_LINUX
  // Orphans of a dead supervise (and, as PID 1, every orphan) become ours to reap.
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0 && ::getpid() != 1)
    svkit::warn_sys({"unable to become a child subreaper"});
#endif
  svkit::cloexec_inherited();
  ::signal(SIGPIPE, SIG_IGN);  // children get it back to default from svkit::spawn
}

// The fault-injection test build (CMakeLists.txt) starts supervise-faulty.
#ifndef SVKIT_SUPERVISE_NAME
#define SVKIT_SUPERVISE_NAME "supervise"
#endif

std::string find_supervise(const char* argv0) {
  std::string dir = svkit::self_exe_dir(argv0);
  if (dir.empty()) svkit::die(svkit::kExitTemporary, {"unable to find the directory of svscan"});
  std::string path = (dir == "/" ? "" : dir) + "/" SVKIT_SUPERVISE_NAME;
  if (::access(path.c_str(), X_OK) != 0) svkit::warn_sys({"unable to find ", path});
  return path;
}

}  // namespace svscan
