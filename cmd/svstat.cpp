// SPDX-License-Identifier: MIT
// svstat [-e] [--json|--prometheus [-o FILE]] [-m] DIR...: daemontools' status line per
// service directory, one JSON object per line, or Prometheus' text format. Exit: 0, as
// daemontools' svstat, for every directory it reports on (even "unable to chdir" or
// "supervise not running"); with -e, --json or --prometheus (svkit's opt-in) the number of
// directories that could not be reported, at most 99. 100 for bad options, 111 when the
// current directory cannot be opened or -o's file cannot be written.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "svkit/diag.hpp"
#include "svkit/fifo.hpp"
#include "svkit/paths.hpp"
#include "svkit/proc_tree.hpp"
#include "svkit/prometheus.hpp"
#include "svkit/status_text.hpp"
#include "svkit/svkit_status.hpp"

namespace {

constexpr const char* kUsage = "svstat [-e] [-m] [--json | --prometheus [-o file]] dir ...";

enum class Format { text, json, prometheus };

struct Options {
  Format format = Format::text;
  bool count = false;    // -e
  bool measure = false;  // -m: every service's tree, not only watched ones
  const char* out_file = nullptr;
  uint64_t now = 0;      // TAI64 seconds
  int64_t now_ms = 0;    // CLOCK_REALTIME milliseconds
};

struct Report {
  bool normally_up = false;
  bool have_down = false;          // DIR/down could be checked
  bool supervised = false;         // a supervisor holds supervise/ok
  std::optional<svkit::Status> status;
  std::optional<svkit::SvkitStatus> ext;  // supervise/svkit-status (not for the text)
  std::optional<svkit::TreeUsage> usage;  // the tree under ext->supervisor, when measured
  std::string error;               // daemontools' text when something failed
};

std::string problem(const char* what, int err) { return std::string(what) + svkit::error_str(err); }

// Inspects the service in the current directory, as daemontools' svstat does; unless TEXT
// also svkit's supervise/svkit-status (read after status: supervise writes it after).
Report inspect(bool text) {
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
  if (!text && r.status) r.ext = svkit::read_svkit_status(".");
  return r;
}

// Measures, from /proc, the trees of a watched service and logger (of any, with MEASURE):
// the descendants of their supervise (SVC's supervisor key), the logger's side being its
// process and what descends from it, the service's the rest (also orphans it left, which
// supervise, their subreaper, inherited).
void measure(Report& svc, Report* log, bool all) {
  bool want_svc = svc.ext && (all || svc.ext->watched());
  bool want_log = log && log->ext && (all || log->ext->watched());
  if (!svc.ext || !svc.ext->supervisor || !(want_svc || want_log)) return;
  auto sup = static_cast<pid_t>(*svc.ext->supervisor);
  if (::kill(sup, 0) == -1 && errno == ESRCH) return;  // gone: nothing to measure
  svkit::OneListing one;  // POSIX-only build: the tree and its usage from one ps
  std::vector<pid_t> tree = svkit::descendants(sup);
  pid_t logger = log && log->status ? static_cast<pid_t>(log->status->pid) : 0;
  std::vector<pid_t> logger_side;
  if (logger > 0 && std::find(tree.begin(), tree.end(), logger) != tree.end()) {
    logger_side = svkit::descendants(logger);
    logger_side.push_back(logger);
    std::sort(logger_side.begin(), logger_side.end());
    tree.erase(std::remove_if(tree.begin(), tree.end(), [&](pid_t p) {
                 return std::binary_search(logger_side.begin(), logger_side.end(), p);
               }), tree.end());
  }
  if (want_svc) svc.usage = svkit::usage_of(tree);
  // A logger that is down measures 0; one not below this supervise is not measured.
  if (want_log && (logger == 0 || !logger_side.empty())) log->usage = svkit::usage_of(logger_side);
}

std::string json_for(std::string_view name, const std::string& path, const Report& r,
                     const Options& opt) {
  std::string o = "{\"name\":" + svkit::json_string(name) + ",\"path\":" + svkit::json_string(path);
  if (r.status) {
    o += "," + svkit::json_status_fields(*r.status, opt.now);
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
  o += "," + svkit::json_svkit_fields(r.ext, state, opt.now_ms);
  o += "," + svkit::json_measure_fields(r.ext, r.usage);
  return o;
}

svkit::ServiceMetrics metrics_for(std::string name, bool log, const Report& r, const Options& opt) {
  std::optional<bool> normally_up;
  if (r.have_down) normally_up = r.normally_up;
  return svkit::service_metrics(std::move(name), log, r.status, normally_up, r.ext, r.usage, opt.now);
}

// The service's name: DIR's last component; for "." or ".." that of the real path.
std::string base_name(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  auto slash = p.rfind('/');
  std::string base = slash == std::string::npos || p.size() == 1 ? p : p.substr(slash + 1);
  return base;
}

std::string service_name(const char* dir) {
  std::string base = base_name(dir);
  if (base != "." && base != "..") return base;
  char real[PATH_MAX];
  return ::realpath(dir, real) ? base_name(real) : base;
}

// The log sub-service's report, when DIR (the current directory) has a log directory;
// leaves the current directory in it.
std::optional<Report> inspect_log() {
  struct stat st;
  if (::stat(svkit::kLogDir, &st) != 0 || !S_ISDIR(st.st_mode) || ::chdir(svkit::kLogDir) != 0)
    return std::nullopt;
  return inspect(false);
}

// One service; returns false when it could not be reported.
bool report(const char* dir, const Options& opt, std::string& out,
            std::vector<svkit::ServiceMetrics>& metrics) {
  Report r;
  bool entered = ::chdir(dir) == 0;
  if (!entered) r.error = problem("unable to chdir: ", errno);
  else r = inspect(opt.format == Format::text);
  if (opt.format == Format::text) {
    out += dir;
    out += ": ";
    out += r.status ? svkit::svstat_text(*r.status, r.normally_up, opt.now) : r.error;
    out += '\n';
    return r.status.has_value();
  }
  std::optional<Report> log;
  if (entered) log = inspect_log();
  measure(r, log ? &*log : nullptr, opt.measure);
  if (opt.format == Format::json) {
    out += json_for(base_name(dir), dir, r, opt);
    out += ",\"log\":";
    out += log ? json_for("log", std::string(dir) + "/log", *log, opt) + "}" : "null";
    out += "}\n";
  } else {
    std::string name = service_name(dir);
    metrics.push_back(metrics_for(name, false, r, opt));
    if (log) metrics.push_back(metrics_for(name, true, *log, opt));
  }
  return r.status.has_value();
}

// Replaces FILE by TEXT through FILE.new in the same directory (node_exporter's textfile
// collector reads only *.prom, and never a half-written file).
bool write_atomically(const std::string& file, const std::string& text) {
  auto slash = file.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : file.substr(0, slash);
  std::string name = slash == std::string::npos ? file : file.substr(slash + 1);
  if (name.empty()) return errno = EISDIR, false;
  int dirfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd == -1) return false;
  bool ok = svkit::replace_file(dirfd, name.c_str(), (name + ".new").c_str(), text.data(), text.size());
  int e = errno;
  ::close(dirfd);
  errno = e;
  return ok;
}

// daemontools' svstat takes every argument as a directory: svkit's options are
// recognised only in front, and nothing else is (no "--", no bundled letters).
int parse_options(int argc, char** argv, Options& opt) {
  int i = 1;
  for (; i < argc; ++i) {
    const char* a = argv[i];
    if (strcmp(a, "--json") == 0 || strcmp(a, "--prometheus") == 0) {
      Format f = a[2] == 'j' ? Format::json : Format::prometheus;
      if (opt.format != Format::text && opt.format != f) svkit::die_usage(kUsage);
      opt.format = f;
    } else if (strcmp(a, "-e") == 0) {
      opt.count = true;
    } else if (strcmp(a, "-m") == 0 || strcmp(a, "--measure") == 0) {
      opt.measure = true;
    } else if (strcmp(a, "-o") == 0) {
      if (i + 1 >= argc || !argv[i + 1][0]) svkit::die_usage(kUsage);
      opt.out_file = argv[++i];
    } else {
      break;
    }
  }
  if (opt.out_file && opt.format != Format::prometheus)
    svkit::die(svkit::kExitUsage, {"-o needs --prometheus"});
  return i;
}

}  // namespace

int main(int argc, char** argv) {
  svkit::set_prog("svstat");
  Options opt;
  int i = parse_options(argc, argv, opt);
  int origdir = ::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (origdir == -1) svkit::die_sys(svkit::kExitTemporary, {"unable to open current directory"});
  svkit::Tai64n tai = svkit::tai_now();
  opt.now = tai.sec;
  opt.now_ms = svkit::unix_ms(tai);
  unsigned failed = 0;
  std::string out;
  std::vector<svkit::ServiceMetrics> metrics;
  std::set<std::string> names;
  for (; i < argc; ++i) {
    size_t first = metrics.size();
    if (!report(argv[i], opt, out, metrics)) ++failed;
    if (::fchdir(origdir) == -1) {
      svkit::write_all(STDOUT_FILENO, out);
      svkit::die_sys(svkit::kExitTemporary, {"unable to set directory"});
    }
    if (opt.format == Format::prometheus) {
      // Two directories of one name would make two series of one identity: keep the first.
      if (!names.insert(metrics[first].service).second) {
        svkit::warn({"ignoring ", argv[i], ": a service named ", metrics[first].service,
                     " was already reported"});
        metrics.resize(first);
        ++failed;
      }
    }
    if (out.size() > 4096) svkit::write_all(STDOUT_FILENO, out), out.clear();
  }
  if (opt.format == Format::prometheus) out = svkit::prometheus_text(metrics);
  if (opt.out_file) {
    if (!write_atomically(opt.out_file, out))
      svkit::die_sys(svkit::kExitTemporary, {"unable to write ", opt.out_file});
  } else {
    svkit::write_all(STDOUT_FILENO, out);
  }
  if (!opt.count && opt.format == Format::text) return 0;
  return failed > 99 ? 99 : static_cast<int>(failed);
}
