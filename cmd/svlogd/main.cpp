// SPDX-License-Identifier: MIT
// svlogd [-tttv] [-r c] [-R abc] [-l len] [-b buflen] dir ...: runit's logger. Reads lines
// on stdin and appends them, optionally timestamped, to rotated files in each DIR.
// Usage errors and fatal errors exit 111 (as runit); end of input or TERM exit 0.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <string>

#include "logger.hpp"
#include "svkit/config.hpp"
#include "svkit/diag.hpp"
#include "svkit/log_config.hpp"
#include "svkit/nomem.hpp"

namespace {
const char* g_argv0 = "svlogd";

[[noreturn]] void usage() {
  std::string u = std::string("usage: ") + g_argv0 +
                  " [-ttv] [-r c] [-R abc] [-l len] [-b buflen] dir ...\n\n";
  svkit::write_all(STDERR_FILENO, u);
  _exit(111);
}

void complain(const char* what, int opt) {
  char o[2] = {static_cast<char>(opt), 0};
  svkit::say({what, " -- ", o});
}

unsigned long number(const char* arg, unsigned long dflt) {
  unsigned long v;
  svkit::scan_ulong(arg, v);
  return v ? v : dflt;
}
}  // namespace

int main(int argc, char** argv) {
  svkit::set_prog("svlogd");
  if (argv[0]) g_argv0 = argv[0];
  svlogd::Options o;
  unsigned long buflen = 1024;
  opterr = 0;
  for (int c; (c = ::getopt(argc, argv, "+:R:r:l:b:tvV")) != -1;) {
    switch (c) {
      case 'R':
        o.replace = optarg;
        if (!o.replace_with) o.replace_with = '_';
        break;
      case 'r':
        if (!optarg[0] || optarg[1]) usage();
        o.replace_with = optarg[0];
        break;
      case 'l': o.settings.line_max = number(optarg, 1000); break;
      case 'b': buflen = number(optarg, 1024); break;
      case 't': if (o.stamp < 3) ++o.stamp; break;
      case 'v': o.settings.verbose = true; break;
      case 'V': svkit::write_all(STDERR_FILENO, "svkit svlogd " SVKIT_VERSION "\n"); usage();
      case ':': complain("option requires an argument", optopt); usage();
      default: complain("illegal option", optopt); usage();
    }
  }
  for (int i = optind; i < argc; ++i) o.dirs.emplace_back(argv[i]);
  if (o.dirs.empty() || buflen <= o.settings.line_max) usage();
  // -b is validated as runit does; input is read in larger blocks regardless (svlogd.8).
  for (int fd = 0; fd <= 2; ++fd)  // a closed 0/1/2 would be reused by our own fds
    if (::fcntl(fd, F_GETFD) < 0) ::open("/dev/null", O_RDWR);
  ::signal(SIGPIPE, SIG_IGN);  // a closed stderr must not kill the logger (spawn resets it)
  svkit::pause_on_nomem();  // out of memory stalls (as runit's pause_nomem), never kills
  svlogd::Logger logger(o);
  return logger.run();
}
