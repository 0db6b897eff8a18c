// SPDX-License-Identifier: MIT
// envdir DIR CHILD...: exec CHILD with the environment changed by the files in DIR.
// Every failure, even a usage error, exits 111 (daemontools' choice).
#include <errno.h>
#include <unistd.h>

#include "svkit/diag.hpp"
#include "svkit/envdir.hpp"
#include "svkit/path_exec.hpp"

namespace {

[[noreturn]] void die_read(const char* dir, const svkit::EnvDirResult& r) {
  errno = r.err;
  const int code = svkit::kExitTemporary;
  switch (r.step) {
    case svkit::EnvDirStep::save_cwd:
      svkit::die_sys(code, {"unable to switch to current directory"});
    case svkit::EnvDirStep::enter_dir:
      svkit::die_sys(code, {"unable to switch to directory ", dir});
    case svkit::EnvDirStep::read_dir:
      svkit::die_sys(code, {"unable to read directory ", dir});
    case svkit::EnvDirStep::read_entry:
      svkit::die_sys(code, {"unable to read ", dir, "/", r.entry});
    case svkit::EnvDirStep::restore_cwd:
    case svkit::EnvDirStep::ok: break;
  }
  svkit::die_sys(code, {"unable to switch to starting directory"});
}

}  // namespace

int main(int argc, char** argv) {
  svkit::set_prog("envdir");
  if (argc < 3) {
    svkit::say({"usage: envdir dir child"});
    _exit(svkit::kExitTemporary);  // 111, not 100: kept from daemontools
  }

  svkit::EnvEdit edits;
  svkit::EnvDirResult r = svkit::read_env_dir(argv[1], edits);
  if (r.step != svkit::EnvDirStep::ok) die_read(argv[1], r);
  std::vector<char*> env = edits.apply(environ);

  errno = svkit::path_exec(argv + 2, env.data());
  svkit::die_sys(svkit::kExitTemporary, {"unable to run ", argv[2]});
}
