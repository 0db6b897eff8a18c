// SPDX-License-Identifier: MIT
// svok DIR: exit 0 if a supervisor runs for DIR, 100 if not, 111 if that cannot be told.
#include "svkit/diag.hpp"
#include "svkit/fifo.hpp"
#include "svkit/paths.hpp"

#include <errno.h>
#include <unistd.h>

#include <string>

int main(int argc, char** argv) {
  svkit::set_prog("svok");
  if (argc != 2) svkit::die_usage("svok dir");
  std::string dir = argv[1];
  if (::access(dir.c_str(), X_OK) != 0) svkit::die_sys(svkit::kExitTemporary, {"unable to chdir to ", dir});

  switch (svkit::probe_supervisor(dir)) {
    case svkit::Probe::yes: return 0;
    case svkit::Probe::no:
    case svkit::Probe::missing: return svkit::kExitUsage;
    case svkit::Probe::error: break;
  }
  svkit::die_sys(svkit::kExitTemporary, {"unable to open ", dir, "/", svkit::kOkFifo});
}
