// SPDX-License-Identifier: MIT
// svc -udopchaitkx DIR...: send control bytes to each service's supervisor (daemontools'
// svc; works on any runit-format supervise/ directory). Each letter is sent at most once,
// in command-line order, in one write per directory. Exit: 0 (per-directory problems are
// warnings, as in daemontools); 100 usage; 111 when the current directory cannot be opened.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <string>

#include "svkit/diag.hpp"
#include "svkit/paths.hpp"

namespace {
constexpr const char kLetters[] = "udopchaitkx";

const char* g_argv0 = nullptr;

// daemontools' getopt line names the program by argv[0]'s base name; the usage line is fixed.
[[noreturn]] void usage(char opt) {
  const char* base = g_argv0 && *g_argv0 ? strrchr(g_argv0, '/') : nullptr;
  std::string msg = base ? base + 1 : (g_argv0 && *g_argv0 ? g_argv0 : "svc");
  msg += std::string(": illegal option -- ") + opt + "\n";
  msg += "svc options: u up, d down, o once, x exit, p pause, c continue, h hup, a alarm, "
         "i interrupt, t term, k kill\n";
  svkit::write_all(STDERR_FILENO, msg);
  _exit(svkit::kExitUsage);
}

// djb's sgetopt: options up to the first operand or "--"; returns the first operand.
int parse(int argc, char** argv, std::string& bytes) {
  int i = 1;
  for (; i < argc; ++i) {
    const char* a = argv[i];
    if (a[0] != '-' || !a[1]) break;
    if (a[1] == '-') return i + 1;  // "--", and as djb's sgetopt any "--word"
    for (const char* p = a + 1; *p; ++p) {
      if (!strchr(kLetters, *p)) usage(*p);
      if (bytes.find(*p) == std::string::npos) bytes += *p;
    }
  }
  return i;
}

void control(const char* dir, const std::string& bytes) {
  if (::chdir(dir) == -1) return svkit::warn_sys({"unable to chdir to ", dir});
  int fd = ::open(svkit::kControlFifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd == -1) {
    if (errno == ENXIO) return svkit::warn({"unable to control ", dir, ": supervise not running"});
    return svkit::warn_sys({"unable to control ", dir});
  }
  int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  if (!svkit::write_all(fd, bytes)) svkit::warn_sys({"error writing commands to ", dir});
  ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  svkit::set_prog("svc");
  g_argv0 = argv[0];
  ::signal(SIGPIPE, SIG_IGN);
  std::string bytes;
  int i = parse(argc, argv, bytes);
  int origdir = ::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (origdir == -1) svkit::die_sys(svkit::kExitTemporary, {"unable to open current directory"});
  for (; i < argc; ++i) {
    if (::fchdir(origdir) == -1) svkit::die_sys(svkit::kExitTemporary, {"unable to set directory"});
    control(argv[i], bytes);
  }
  return 0;
}
