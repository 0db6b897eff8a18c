// SPDX-License-Identifier: MIT
// path_exec: run the next program of a chain the way daemontools' pathexec finds it.
#pragma once
#include <functional>
#include <string>

namespace svkit {

// The PATH used when the variable is not set at all.
inline constexpr const char* kDefaultPath = "/bin:/usr/bin";

// djb's search: a FILE containing '/' is tried as given; otherwise each element of PATH
// ("" means the current directory) + "/" + FILE. TRY returns the exec's errno (0 never
// comes back from a real exec). ENOENT goes on; EACCES, EPERM and EISDIR are remembered
// and go on; any other error stops. Returns the errno to report: the remembered one when
// there is one, else the last.
int path_search(const char* file, const char* path,
                const std::function<int(const std::string&)>& try_exec);

// Execs ARGV[0] with ENVP, looked up through the PATH of this process's own environment
// (not ENVP's, as in daemontools). Returns only on failure: the errno to report.
int path_exec(char* const* argv, char* const* envp);

}  // namespace svkit
