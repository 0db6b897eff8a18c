// SPDX-License-Identifier: MIT
// setup: what svscan does once before its loop: the command line, the process's own
// state (subreaper, inherited fds, SIGPIPE) and where supervise lives.
#pragma once
#include <string>

namespace svscan {

// svscan [-P] [dir [log]]: the scan directory, made absolute. Exits 100 on bad usage.
std::string parse_args(int argc, char** argv);
// Become the reaper of orphans (Linux), close-on-exec every inherited fd above 2 (and
// /dev/null on a closed 0-2), ignore
// SIGPIPE (a closed stderr must not kill a daemon).
void prepare_process();
// DIR/supervise for the directory svscan's own executable is in. Exits 111 when unknown.
std::string find_supervise(const char* argv0);

}  // namespace svscan
