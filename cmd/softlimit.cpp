// SPDX-License-Identifier: MIT
// softlimit [-acdflmoprst n] CHILD...: lower (or raise, up to the hard limit) soft resource
// limits, then exec CHILD. 100 usage or bad number, 111 a limit call failed or no CHILD ran.
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <string>

#include "svkit/diag.hpp"
#include "svkit/limits.hpp"
#include "svkit/path_exec.hpp"

namespace {

constexpr const char* kUsage =
    "softlimit [-a allbytes] [-c corebytes] [-d databytes] [-f filebytes] [-l lockbytes] "
    "[-m membytes] [-o openfiles] [-p processes] [-r residentbytes] [-s stackbytes] "
    "[-t cpusecs] child";

// Applied as each option is read, in order, as daemontools does.
void set_limits(char letter, const char* arg) {
  auto value = svkit::parse_limit_value(arg);
  if (!value) svkit::die_usage(kUsage);
  for (int resource : svkit::limit_resources(letter).list) {
    if (resource < 0) break;
    switch (svkit::apply_soft_limit(resource, *value)) {
      case svkit::LimitStep::ok: break;
      case svkit::LimitStep::get: svkit::die_sys(svkit::kExitTemporary, {"getrlimit failed"});
      case svkit::LimitStep::set: svkit::die_sys(svkit::kExitTemporary, {"setrlimit failed"});
    }
  }
}

// daemontools' getopt line before the usage: "NAME: illegal option -- z" or "NAME: option
// requires an argument -- o", NAME being the base name of argv[0].
[[noreturn]] void bad_option(const char* argv0, int letter) {
  const char* base = argv0 && *argv0 ? strrchr(argv0, '/') : nullptr;
  std::string name = base ? base + 1 : (argv0 && *argv0 ? argv0 : "softlimit");
  bool known = letter != ':' && letter != '+' && strchr(svkit::kLimitOptions, letter) != nullptr;
  std::string line = name + (known ? ": option requires an argument -- " : ": illegal option -- ");
  line += static_cast<char>(letter);
  line += '\n';
  svkit::write_all(STDERR_FILENO, line);
  svkit::die_usage(kUsage);
}

}  // namespace

int main(int argc, char** argv) {
  svkit::set_prog("softlimit");
  opterr = 0;  // glibc's wording differs from daemontools': bad_option() says it
  for (int c; (c = ::getopt(argc, argv, svkit::kLimitOptions)) != -1;) {
    if (c == '?' || c == ':') bad_option(argv[0], optopt);  // before optarg: null here
    set_limits(static_cast<char>(c), optarg);
  }
  if (optind >= argc) svkit::die_usage(kUsage);

  errno = svkit::path_exec(argv + optind, environ);
  svkit::die_sys(svkit::kExitTemporary, {"unable to run ", argv[optind]});
}
