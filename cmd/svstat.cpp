// SPDX-License-Identifier: MIT
// svstat [-e] [--json] DIR...: daemontools' status line per service directory, or one JSON
// object per line. Exit: 0, as daemontools' svstat, for every directory it reports on (even
// "unable to chdir" or "supervise not running"); with -e or --json (svkit's opt-in) the
// number of directories that could not be reported, at most 99. 111 when the current
// directory cannot be opened.
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "svkit/diag.hpp"
#include "svkit/fifo.hpp"
#include "svkit/paths.hpp"
#include "svkit/status_text.hpp"
#include "svkit/svkit_status.hpp"

namespace {

struct Report {
  bool normally_up = false;
  bool have_down = false;          // DIR/down could be checked
  bool supervised = false;         // a supervisor holds supervise/ok
  std::optional<svkit::Status> status;
  std::optional<svkit::SvkitStatus> ext;  // supervise/svkit-status (--json only)
  std::string error;               // daemontools' text when something failed
};

std::string problem(const char* what, int err) { return std::string(what) + svkit::error_str(err); }

// Inspects the service in the current directory, as daemontools' svstat does; with EXT
// also svkit's supervise/svkit-status (read after status: supervise writes it after).
Report inspect(bool ext) {
  Report r;
  struct stat st;
  if (::stat(svkit::kDownFile, &st) == -1) {
    if (errno != ENOENT) return r.error = problem("unable to stat down: ", errno), r;
    r.normally_up = true;
  }
  r.have_down = true;
  svkit::Probe ok = svkit::probe_supervisor(".");
  if (ok != svkit::Probe::yes) {
    r.error = ok == svkit::Probe::no ? "supervise not running" : problem("unable to open supervise/ok: ", errno);
    return r;
  }
  r.supervised = true;
  int fd = ::open(svkit::kStatusFile, O_RDONLY | O_CLOEXEC);
  if (fd == -1) return r.error = problem("unable to open supervise/status: ", errno), r;
  unsigned char buf[svkit::kStatusSize];
  ssize_t n = ::read(fd, buf, sizeof buf);
  int e = errno;
  ::close(fd);
  if (n < 0) return r.error = problem("unable to read supervise/status: ", e), r;
  if (n < static_cast<ssize_t>(svkit::kDaemontoolsStatusSize))
    return r.error = "unable to read supervise/status: bad format", r;
  r.status = svkit::unpack_status(buf, static_cast<size_t>(n));
  if (ext && r.status) r.ext = svkit::read_svkit_status(".");
  return r;
}

std::string json_for(std::string_view name, const std::string& path, const Report& r,
                     uint64_t now, int64_t now_ms) {
  std::string o = "{\"name\":" + svkit::json_string(name) + ",\"path\":" + svkit::json_string(path);
  if (r.status) {
    o += "," + svkit::json_status_fields(*r.status, now);
  } else {
    o += r.supervised ? ",\"supervised\":true" : ",\"supervised\":false";
    o += ",\"want\":null,\"state\":null,\"pid\":null,\"seconds\":null,"
         "\"paused\":null,\"got_term\":null";
  }
  o += ",\"normally_up\":";
  o += r.have_down ? (r.normally_up ? "true" : "false") : "null";
  o += ",\"error\":";
  o += r.error.empty() ? "null" : svkit::json_string(r.error);
  std::optional<svkit::RunState> state;
  if (r.status) state = r.status->state;
  o += "," + svkit::json_svkit_fields(r.ext, state, now_ms);
  return o;
}

std::string base_name(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  auto slash = p.rfind('/');
  return slash == std::string::npos || p.size() == 1 ? p : p.substr(slash + 1);
}

// One service; returns false when it could not be reported.
bool report(const char* dir, bool json, std::string& out, uint64_t now, int64_t now_ms) {
  Report r;
  bool entered = ::chdir(dir) == 0;
  if (!entered) r.error = problem("unable to chdir: ", errno);
  else r = inspect(json);
  if (!json) {
    out += dir;
    out += ": ";
    out += r.status ? svkit::svstat_text(*r.status, r.normally_up, now) : r.error;
    out += '\n';
    return r.status.has_value();
  }
  out += json_for(base_name(dir), dir, r, now, now_ms);
  out += ",\"log\":";
  struct stat st;
  if (entered && ::stat(svkit::kLogDir, &st) == 0 && S_ISDIR(st.st_mode) && ::chdir(svkit::kLogDir) == 0)
    out += json_for("log", std::string(dir) + "/log", inspect(true), now, now_ms) + "}";
  else
    out += "null";
  out += "}\n";
  return r.status.has_value();
}

}  // namespace

int main(int argc, char** argv) {
  svkit::set_prog("svstat");
  // daemontools' svstat takes every argument as a directory: svkit's two options are
  // recognised only in front, and nothing else is (no "--", no getopt letters).
  int i = 1;
  bool json = false, count = false;
  for (; i < argc; ++i) {
    if (strcmp(argv[i], "--json") == 0) json = true;
    else if (strcmp(argv[i], "-e") == 0) count = true;
    else break;
  }
  int origdir = ::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (origdir == -1) svkit::die_sys(svkit::kExitTemporary, {"unable to open current directory"});
  svkit::Tai64n tai = svkit::tai_now();
  uint64_t now = tai.sec;
  int64_t now_ms = svkit::unix_ms(tai);
  unsigned failed = 0;
  std::string out;
  for (; i < argc; ++i) {
    if (!report(argv[i], json, out, now, now_ms)) ++failed;
    if (::fchdir(origdir) == -1) {
      svkit::write_all(STDOUT_FILENO, out);
      svkit::die_sys(svkit::kExitTemporary, {"unable to set directory"});
    }
    if (out.size() > 4096) svkit::write_all(STDOUT_FILENO, out), out.clear();
  }
  svkit::write_all(STDOUT_FILENO, out);
  if (!count && !json) return 0;
  return failed > 99 ? 99 : static_cast<int>(failed);
}
