// SPDX-License-Identifier: MIT
// sv [-v] [-w sec] command service ...: control and query supervised services (runit's sv,
// PROTOCOL.md 4); called as /etc/init.d/NAME it acts on NAME with LSB exit codes.
// Exit: 0 ok; 1-99 number of services that failed; 100 usage (LSB: 2; status 3/4).
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <string_view>

#include "sv.hpp"
#include "svkit/config.hpp"
#include "svkit/diag.hpp"
#include "svkit/tai64n.hpp"

namespace {

unsigned long scan_ulong(const char* s) {  // leading digits, as djb's scan_ulong
  unsigned long v = 0;
  for (; *s >= '0' && *s <= '9'; ++s) v = v * 10 + static_cast<unsigned long>(*s - '0');
  return v;
}

// SVDIR unset: the first existing directory of the build-time list; the first entry when
// none exists (then "unable to change to service directory" names the usual place).
std::string default_svdir() {
  std::string_view list = SVKIT_SERVICE_DIRS;
  std::string first;
  while (!list.empty()) {
    size_t colon = list.find(':');
    std::string dir(list.substr(0, colon));
    list = colon == std::string_view::npos ? std::string_view() : list.substr(colon + 1);
    if (dir.empty()) continue;
    if (first.empty()) first = dir;
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return dir;
  }
  return first.empty() ? std::string(SVKIT_SERVICE_DIR) : first;
}

void bad_option(sv::Ctx& c, const char* what, char opt) {
  char o[2] = {opt, 0};
  sv::errline(c.progname, what, o);
  sv::usage(c);
}

// djb's sgetopt for "w:vV": no argument permutation, "--" ends the options.
int parse_options(sv::Ctx& c, int argc, char** argv) {
  int i = 1;
  for (; i < argc; ++i) {
    const char* a = argv[i];
    if (a[0] != '-' || !a[1]) break;
    if (a[1] == '-') return i + 1;  // "--", and as djb's sgetopt any "--word"
    for (const char* p = a + 1; *p; ++p) {
      if (*p == 'v') {
        c.verbose = true;
      } else if (*p == 'w') {
        const char* arg = p[1] ? p + 1 : (i + 1 < argc ? argv[++i] : nullptr);
        if (!arg) bad_option(c, ": option requires an argument -- ", 'w');
        c.wait_sec = scan_ulong(arg);
        c.verbose = true;
        break;
      } else if (*p == 'V') {
        sv::errline("$Id: svkit " SVKIT_VERSION " $");
        sv::usage(c);
      } else {
        bad_option(c, ": illegal option -- ", *p);
      }
    }
  }
  return i;
}

}  // namespace

int main(int argc, char** argv) {
  sv::Ctx c;
  const char* base = strrchr(argv[0], '/');
  c.progname = base ? base + 1 : argv[0];
  svkit::set_prog(c.progname);
  c.lsb = strcmp(c.progname, "sv") != 0;
  const char* env = getenv("SVDIR");
  c.svdir = env ? std::string(env) : default_svdir();
  if ((env = getenv("SVWAIT"))) c.wait_sec = scan_ulong(env);

  int i = parse_options(c, argc, argv);
  if (i >= argc) sv::usage(c);
  auto cmd = svkit::parse_sv_command(argv[i++], c.lsb);
  if (c.lsb) c.services.push_back(c.progname);
  else c.services.assign(argv + i, argv + argc);
  if (c.services.empty() || !cmd) sv::usage(c);
  c.cmd = *cmd;

  c.start = svkit::StatusWatch::Clock::now();
  c.start_tai = svkit::tai_now();
  c.now_tai = c.start_tai.sec;
  if ((c.curdir = ::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
    sv::errline("fatal: unable to open current directory: ", svkit::error_str(errno));
    sv::done(c, c.lsb ? 151 : 100);
  }
  using K = svkit::SvCommand::Kind;
  if (c.cmd.kind == K::enable) return sv::enable_cmd(c);
  if (c.cmd.kind == K::disable) return sv::disable_cmd(c);
  return sv::run_services(c);
}
