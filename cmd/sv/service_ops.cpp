// SPDX-License-Identifier: MIT
// sv service operations, run inside the service directory (cwd), as runit's sv does:
// read the status, print it, send control bytes, test a wait condition, run ./check.
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sv.hpp"
#include "svkit/diag.hpp"
#include "svkit/fifo.hpp"
#include "svkit/paths.hpp"
#include "svkit/spawn.hpp"
#include "svkit/status_text.hpp"
#include "svkit/svkit_status.hpp"

namespace sv {

svkit::Status raw_status(const Ctx& c) {
  return *svkit::unpack_status(c.raw, sizeof c.raw);
}

Got status_get(Ctx& c) {
  svkit::Probe probe = svkit::probe_supervisor(".");
  if (probe != svkit::Probe::yes) {
    if (probe == svkit::Probe::no) {
      if (c.cmd.bytes[0] == 'x') ok(c, "runsv not running");
      else fail(c, "runsv not running", 0);
      return Got::not_running;
    }
    warn(c, "unable to open supervise/ok", errno);
    return Got::error;
  }
  int fd = ::open(svkit::kStatusFile, O_RDONLY | O_CLOEXEC);
  if (fd == -1) {
    warn(c, "unable to open supervise/status", errno);
    return Got::error;
  }
  ssize_t r = ::read(fd, c.raw, sizeof c.raw);  // a short read leaves old bytes, as runit
  int e = errno;
  ::close(fd);
  if (r == -1) {
    warn(c, "unable to read supervise/status", e);
    return Got::error;
  }
  if (r != static_cast<ssize_t>(sizeof c.raw)) {
    warn(c, "unable to read supervise/status: bad format", 0);
    return Got::error;
  }
  return Got::ok;
}

Shown status_print(Ctx& c, const char* label) {
  struct stat st;
  bool normally_up = false;
  if (::stat(svkit::kDownFile, &st) == -1) {
    if (errno != ENOENT) {
      errline("warning: unable to stat ", c.name, "/down: ", svkit::error_str(errno));
      return Shown::unknown;
    }
    normally_up = true;
  }
  svkit::Status s = raw_status(c);
  outs(svkit::sv_status_line(s, label, normally_up, c.now_tai));
  return s.pid ? Shown::pid : Shown::no_pid;
}

void status_cmd(Ctx& c) {
  Got got = status_get(c);
  if (got == Got::error && c.lsb) done(c, 4);
  if (got != Got::ok) return;
  Shown shown = status_print(c, c.name);
  c.islog = true;
  if (::chdir(svkit::kLogDir) == -1) {
    if (errno != ENOENT) {
      int e = errno;
      outs("; ");
      warn(c, "unable to change directory", e);
    } else {
      outs("\n");
    }
  } else {
    outs("; ");
    // runit prints the log line even after a warning (with the main record's bytes).
    if (status_get(c) != Got::not_running) {
      status_print(c, "log");
      outs("\n");
    }
  }
  c.islog = false;
  flush();
  if (c.lsb) done(c, shown == Shown::pid ? 0 : shown == Shown::no_pid ? 3 : 4);
}

// svkit's supervise says the service is in back-off or failed (runit's state: down).
static bool held_back() {
  auto ext = svkit::read_svkit_status(".");
  return ext && (ext->phase == "backoff" || ext->phase == "failed");
}

Sent control(Ctx& c, const char* bytes) {
  if (status_get(c) != Got::ok) return Sent::failed;
  svkit::Status s = raw_status(c);
  // Skip when the wanted state already matches; "d" only once TERM was sent (after "o").
  // svkit: "u" is sent anyway to a service waiting in back-off or given up (failed), whose
  // wanted state is up already: it starts it now.
  if (c.raw[17] == static_cast<unsigned char>(bytes[0]) && (bytes[0] != 'd' || s.got_term) &&
      !(bytes[0] == 'u' && held_back()))
    return Sent::skipped;
  int fd = ::open(svkit::kControlFifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd == -1) {
    if (errno != ENXIO) warn(c, "unable to open supervise/control", errno);
    else if (bytes[0] == 'x') ok(c, "runsv not running");
    else fail(c, "runsv not running", 0);
    return Sent::failed;
  }
  std::string_view b(bytes);
  ssize_t r = ::write(fd, b.data(), b.size());
  int e = errno;
  ::close(fd);
  if (r != static_cast<ssize_t>(b.size())) {
    warn(c, "unable to write to supervise/control", r < 0 ? e : 0);
    return Sent::failed;
  }
  return Sent::sent;
}

// ./check: exit 0 means available; no ./check means available.
static bool check_script(Ctx& c) {
  struct stat st;
  if (::stat(svkit::kCheckFile, &st) == -1) {
    if (errno == ENOENT) return true;
    errline("warning: unable to stat ", c.name, "/check: ", svkit::error_str(errno));
    return false;
  }
  // As runit: its stdout closed (sv's own output stays clean), same session as sv.
  char arg0[] = "./check";
  char* argv[] = {arg0, nullptr};
  svkit::FdMove out{-1, STDOUT_FILENO};
  svkit::SpawnSpec spec;
  spec.path = "check";
  spec.argv = argv;
  spec.moves = &out;
  spec.n_moves = 1;
  spec.new_session = false;
  pid_t pid = svkit::spawn(spec);
  int e = errno;
  if (pid == -1) {
    if (e == EAGAIN || e == ENOMEM) {
      errline("warning: unable to fork for ", c.name, "/check: ", svkit::error_str(e));
      return false;
    }
    errline("warning: unable to run ", c.name, "/check: ", svkit::error_str(e));
    return true;  // as runit: a check that cannot run counts as passed
  }
  int w;
  while (::waitpid(pid, &w, 0) == -1) {
    if (errno == EINTR) continue;
    errline("warning: unable to wait for child ", c.name, "/check: ", svkit::error_str(errno));
    return false;
  }
  bool passed = WIFEXITED(w) && WEXITSTATUS(w) == 0;
  if (!passed) c.check_failed = true;
  return passed;
}

// Did the status change after sv started? runit compares whole seconds, which lets a state
// from earlier in the same second pass for the result of the command; svkit compares the
// full TAI64N stamps.
static bool since_start(const Ctx& c, const svkit::Status& s) {
  return s.when.sec != c.start_tai.sec ? s.when.sec > c.start_tai.sec
                                       : s.when.nano >= c.start_tai.nano;
}

bool ready_now(const svkit::Status& s) {
  // Without notification-fd a service's readiness is its ./check, which sv runs itself
  // (runit's rule): nothing more to read, and no wait for svkit-status to catch up.
  struct stat st;
  if (::stat(kNotificationFdFile, &st) == -1) return true;
  auto ext = svkit::read_svkit_status(".");
  return svkit::readiness(ext, svkit::unix_ms(s.when)) != svkit::Readiness::not_ready;
}

static bool reached(Ctx& c, char want, const svkit::Status& s) {
  bool pid = s.pid != 0;
  switch (want) {
    case 'x': return false;  // reached only when the supervisor is gone
    // runit accepts any running process, even one still dying of an earlier "down" before
    // the supervisor has read our "u"; svkit waits until the supervisor wants it up.
    // svkit: a service with readiness (supervise/svkit-status "ready" not "-") is up once
    // it is ready; runit's ./check is still run after that, as runit does.
    case 'u':
      return pid && s.state == svkit::RunState::run && s.want == svkit::Want::up &&
             ready_now(s) && check_script(c);
    case 'd': return !pid && s.state == svkit::RunState::down;
    case 't':
    case 'k':
      if (!pid && s.want == svkit::Want::down) return true;
      return since_start(c, s) && pid && !s.got_term && check_script(c);
    case 'o':
      return !((!pid && !since_start(c, s)) || (pid && s.want != svkit::Want::down));
    case 'p': return !(pid && !s.paused);
    case 'c': return !(pid && s.paused);
    case 'C': return !pid || check_script(c);  // Debian 2.1.2: no pid counts as reached
    default: return true;
  }
}

Reach check(Ctx& c, const char* bytes) {
  Got got = status_get(c);
  if (got == Got::error) return Reach::give_up;
  if (got == Got::not_running) return bytes[0] == 'x' ? Reach::reached : Reach::give_up;
  svkit::Status s = raw_status(c);
  for (const char* a = bytes; *a; ++a)
    if (!reached(c, *a, s)) return Reach::not_yet;
  outs("ok: ");
  status_print(c, c.name);
  flush("\n");
  return Reach::reached;
}

}  // namespace sv
