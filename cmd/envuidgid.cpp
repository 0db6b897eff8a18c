// SPDX-License-Identifier: MIT
// envuidgid ACCOUNT CHILD...: exec CHILD with UID and GID set to ACCOUNT's numbers.
// 100 usage, 111 unknown account or CHILD not runnable.
#include <errno.h>
#include <pwd.h>
#include <unistd.h>

#include <string>

#include "svkit/diag.hpp"
#include "svkit/env_edit.hpp"
#include "svkit/path_exec.hpp"

int main(int argc, char** argv) {
  svkit::set_prog("envuidgid");
  if (argc < 3) svkit::die_usage("envuidgid account child");

  const passwd* pw = ::getpwnam(argv[1]);
  if (!pw) svkit::die(svkit::kExitTemporary, {"unknown account ", argv[1]});

  svkit::EnvEdit edits;  // GID first, then UID: daemontools' order in the new environment
  edits.set("GID", std::to_string(pw->pw_gid));
  edits.set("UID", std::to_string(pw->pw_uid));
  std::vector<char*> env = edits.apply(environ);

  errno = svkit::path_exec(argv + 2, env.data());
  svkit::die_sys(svkit::kExitTemporary, {"unable to run ", argv[2]});
}
