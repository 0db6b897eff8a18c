// SPDX-License-Identifier: MIT
// svok DIR: exit 0 if a supervisor runs for DIR; 100 if none does (supervise/ok exists but
// nobody holds it, or DIR was never supervised); 111 if that cannot be told (DIR cannot be
// entered, other errors). Arguments after DIR are ignored, as by daemontools' svok.
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "svkit/diag.hpp"
#include "svkit/fifo.hpp"
#include "svkit/paths.hpp"

int main(int argc, char** argv) {
  svkit::set_prog("svok");
  if (argc < 2) svkit::die_usage("svok dir");
  const char* dir = argv[1];
  if (::chdir(dir) == -1) svkit::die_sys(svkit::kExitTemporary, {"unable to chdir to ", dir});

  switch (svkit::probe_supervisor(".")) {
    case svkit::Probe::yes: return 0;
    case svkit::Probe::no:
    case svkit::Probe::missing: return svkit::kExitUsage;
    case svkit::Probe::error: break;
  }
  svkit::die_sys(svkit::kExitTemporary, {"unable to open ", dir, "/", svkit::kOkFifo});
}
