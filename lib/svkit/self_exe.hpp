// SPDX-License-Identifier: MIT
// self_exe: the directory holding the running executable, so a tool can start its
// siblings (svscan -> supervise) instead of whatever PATH finds first.
#pragma once
#include <string>

namespace svkit {

// /proc/self/exe (Linux), _NSGetExecutablePath (macOS), else ARGV0's directory (searched in
// PATH when it has no '/'). An absolute path without a trailing '/'; "" when unknown.
std::string self_exe_dir(const char* argv0);

}  // namespace svkit
