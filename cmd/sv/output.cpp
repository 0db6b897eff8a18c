// SPDX-License-Identifier: MIT
// sv output: runit's line shapes ("fail: NAME: msg: err") and its exit paths.
#include <errno.h>
#include <unistd.h>

#include <string>

#include "sv.hpp"
#include "svkit/diag.hpp"

namespace sv {
namespace {
std::string g_out;  // stdout is written line by line, like runit's buffer_1

void line(Ctx& c, std::string_view prefix, std::string_view msg, int err) {
  outs(prefix);
  outs(c.name);
  if (c.islog) outs("/log");
  outs(": ");
  outs(msg);
  if (err) {
    outs(": ");
    outs(svkit::error_str(err));
  }
  flush("\n");
}
}  // namespace

void outs(std::string_view s) { g_out += s; }

void flush(std::string_view s) {
  g_out += s;
  svkit::write_all(STDOUT_FILENO, g_out);
  g_out.clear();
}

void errline(std::string_view a, std::string_view b, std::string_view c, std::string_view d) {
  std::string l;
  l.append(a).append(b).append(c).append(d).append("\n");
  svkit::write_all(STDERR_FILENO, l);
}

void fail(Ctx& c, std::string_view msg, int err) {
  ++c.rc;
  line(c, "fail: ", msg, err);
}
void warn(Ctx& c, std::string_view msg, int err) {
  ++c.rc;
  line(c, "warning: ", msg, err);
}
void ok(Ctx& c, std::string_view msg) { line(c, "ok: ", msg, 0); }

void done(Ctx& c, int code) {
  flush();
  if (c.curdir != -1) (void)!::fchdir(c.curdir);
  _exit(code);
}

void usage(Ctx& c) {
  std::string u = std::string("usage: ") + c.progname +
                  (c.lsb ? " [-w sec] command\n" : " [-v] [-w sec] command service ...\n");
  errline(u);
  _exit(c.lsb ? 2 : svkit::kExitUsage);
}

}  // namespace sv
