// SPDX-License-Identifier: MIT
// self_exe: where the running program lives.
#include "svkit/self_exe.hpp"
#include "svkit/platform.hpp"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <string_view>
#ifdef __APPLE__
#include <mach-o/dyld.h>
#endif

namespace svkit {
namespace {

std::string dir_of(std::string path) {
  static constexpr std::string_view kDeleted = " (deleted)";  // binary replaced on upgrade
  if (path.size() > kDeleted.size() &&
      path.compare(path.size() - kDeleted.size(), kDeleted.size(), kDeleted) == 0)
    path.resize(path.size() - kDeleted.size());
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return "";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string absolute(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf)) return buf;
  return "";
}

std::string from_argv0(const char* argv0) {
  if (!argv0 || !*argv0) return "";
  std::string a = argv0;
  if (a.find('/') != std::string::npos) return dir_of(absolute(a));
  const char* path = ::getenv("PATH");
  std::string_view rest = path ? path : "/bin:/usr/bin";
  for (;;) {
    auto colon = rest.find(':');
    std::string d(rest.substr(0, colon));
    std::string cand = (d.empty() ? "." : d) + "/" + a;
    if (::access(cand.c_str(), X_OK) == 0) return dir_of(absolute(cand));
    if (colon == std::string_view::npos) return "";
    rest.remove_prefix(colon + 1);
  }
}

}  // namespace

std::string self_exe_dir(const char* argv0) {
#if SVKIT_LINUX
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n > 0 && buf[0] == '/') return dir_of(std::string(buf, static_cast<size_t>(n)));
#elif defined(__APPLE__)
  char buf[PATH_MAX];
  uint32_t size = sizeof buf;
  if (::_NSGetExecutablePath(buf, &size) == 0) {
    std::string d = dir_of(absolute(buf));
    if (!d.empty()) return d;
  }
#endif
  return from_argv0(argv0);
}

}  // namespace svkit
