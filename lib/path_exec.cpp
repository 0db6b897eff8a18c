// SPDX-License-Identifier: MIT
// path_exec: djb's pathexec_run rules on top of execve.
#include "svkit/path_exec.hpp"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

namespace svkit {

int path_search(const char* file, const char* path,
                const std::function<int(const std::string&)>& try_exec) {
  if (strchr(file, '/')) return try_exec(file);
  if (!path) path = kDefaultPath;
  int remembered = 0;
  for (;;) {
    size_t split = strcspn(path, ":");
    std::string candidate(path, split);
    if (split == 0) candidate = ".";
    candidate += '/';
    candidate += file;
    int e = try_exec(candidate);
    if (e != ENOENT) {
      remembered = e;
      // Keep looking past a directory we may not search or a non-executable hit.
      if (e != EACCES && e != EPERM && e != EISDIR) return e;
    }
    if (!path[split]) return remembered ? remembered : e;
    path += split + 1;
  }
}

int path_exec(char* const* argv, char* const* envp) {
  return path_search(argv[0], ::getenv("PATH"), [&](const std::string& candidate) {
    ::execve(candidate.c_str(), argv, envp);
    return errno;
  });
}

}  // namespace svkit
