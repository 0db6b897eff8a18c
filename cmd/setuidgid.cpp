// SPDX-License-Identifier: MIT
// setuidgid ACCOUNT CHILD...: become ACCOUNT (uid, gid, and the gid as the only
// supplementary group, as daemontools does), then exec CHILD. 100 usage, 111 otherwise.
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include "svkit/diag.hpp"
#include "svkit/path_exec.hpp"

int main(int argc, char** argv) {
  svkit::set_prog("setuidgid");
  if (argc < 3) svkit::die_usage("setuidgid account child");

  const passwd* pw = ::getpwnam(argv[1]);
  if (!pw) svkit::die(svkit::kExitTemporary, {"unknown account ", argv[1]});
  const gid_t gid = pw->pw_gid;
  const uid_t uid = pw->pw_uid;

  // Primary group only, not initgroups(): see man/setuidgid.8 for why.
  if (::setgroups(1, &gid) != 0 || ::setgid(gid) != 0)
    svkit::die_sys(svkit::kExitTemporary, {"unable to setgid"});
  if (::setuid(uid) != 0) svkit::die_sys(svkit::kExitTemporary, {"unable to setuid"});

  errno = svkit::path_exec(argv + 2, environ);
  svkit::die_sys(svkit::kExitTemporary, {"unable to run ", argv[2]});
}
