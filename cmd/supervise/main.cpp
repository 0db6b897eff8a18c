// SPDX-License-Identifier: MIT
// supervise DIR: runs DIR/run (and DIR/log/run behind a pipe), restarts it, and keeps
// DIR/supervise/ exactly as runit's runsv does. See man/supervise.8.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access.hpp"
#include "service.hpp"
#include "svkit/footprint.hpp"
#include "svkit/diag.hpp"
#include "svkit/inherited_fds.hpp"
#include "svkit/paths.hpp"
#include "svkit/signal_fd.hpp"

namespace supervise {
namespace {

using svkit::kExitTemporary;

void open_dir(Service& s, const char* path) {
  s.dir.reset(::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!s.dir) svkit::die_sys(kExitTemporary, {"unable to open ", path});
  s.when = svkit::tai_now();
  struct stat st;
  if (::fstatat(s.dir.get(), svkit::kDownFile, &st, 0) == 0) s.sv = svkit::on_down_file(s.sv).next;
}

// Start-up order as runsv (PROTOCOL.md 2.1): lock before anything in supervise/ is
// written, control FIFOs and the first status before the ok FIFO.
void setup(Context& c) {
  open_dir(c.main, ".");
  struct stat st;
  if (::stat("log", &st) == 0) {
    if (S_ISDIR(st.st_mode)) c.has_log = true;
    else svkit::warn({"./log: not a directory."});
  } else if (errno != ENOENT) {
    svkit::warn_sys({"unable to stat ./log"});
  }
  if (c.has_log) {
    open_dir(c.log, "log");
    c.log.sv.is_log = true;
    c.log.label = "log/";
    c.log.cwd = "log";
  }
  open_log_pipe(c);
  make_supervise_dir(c.main);
  lock_service(c.main);
  if (c.has_log) {
    make_supervise_dir(c.log);
    lock_service(c.log);
  }
  adopt(c.main);  // under the lock: no other supervise can race us for the orphan
  if (c.has_log) adopt(c.log);
  open_control(c.main);
  publish(c.main);  // svkit-status too (dependents read both)
  if (c.has_log) {
    open_control(c.log);
    publish(c.log);
  }
  open_ok(c.main);
  if (c.has_log) open_ok(c.log);
  apply_control_group(c);
}

void start_due(Context& c, Service& s) {
  int64_t now = now_ms();
  due(c, s, now);
  if (svkit::needs_run(s.sv) && may_start(c, s, now)) start_run(c, s);
  if (svkit::needs_finish(s.sv)) start_finish(c, s);
}

// Milliseconds until the next deadline (a throttled start, a policy timeout), or -1:
// poll forever, so an idle service costs nothing.
int poll_timeout(const Context& c) {
  int64_t next = -1;
  for (const Service* s : {&c.main, &c.log}) {
    int64_t d = poll_deadline(*s, now_ms());  // without pidfd/inotify (POSIX-only build)
    if (d >= 0 && (next < 0 || d < next)) next = d;
    if (s == &c.log && (!c.has_log || c.log_closing)) continue;
    d = next_deadline(*s);
    if (s->publish_pending && (d < 0 || d > now_ms() + 1000)) d = now_ms() + 1000;  // retry
    if (d >= 0 && (next < 0 || d < next)) next = d;
  }
  if (next < 0) return -1;
  int64_t left = next - now_ms();
  return left <= 0 ? 0 : left > 2147483647 ? 2147483647 : static_cast<int>(left);
}

// runsv's exit: once the main service is down for good, close the log pipe so the logger
// sees end-of-file. A handed-over pipe still has svscan's writer, and an adopted logger
// reads an older pipe, so those loggers are told with TERM (svlogd drains, then exits).
bool ready_to_leave(Context& c) {
  if (!svkit::ready_to_exit(c.main.sv) || c.main.leftover_at >= 0) return false;
  policy_leave(c.main);
  if (!c.has_log) return true;
  if (!c.log_closing) {
    c.log_closing = true;
    apply(c, c.log, svkit::on_main_gone(c.log.sv));
    bool tell = c.pipe_handed_over || c.log.adopted;
    c.pipe_read.reset();
    c.pipe_write.reset();
    if (tell) {
      svkit::OneListing one;
      send_signal(c.log, SIGTERM, svkit::Target::group);
      send_signal(c.log, SIGCONT, svkit::Target::group);
    }
  }
  if (c.log.sv.pid == 0) policy_leave(c.log);
  return c.log.sv.pid == 0;
}

void read_control(Context& c, Service& s) {
  char buf[4096];
  ssize_t n = ::read(s.control.get(), buf, sizeof buf);
  for (ssize_t i = 0; i < n; ++i) {
    apply(c, s, svkit::on_control(s.sv, buf[i]));
    control_byte(s, buf[i]);
  }
  // A flood (reads back to back, within a millisecond) is read in batches: after such a
  // read supervise pauses a millisecond, so the pipe fills and the next read takes a big
  // bite. A client writing as fast as it can then costs a bounded share of a core instead
  // of a wake-up per write; a command that comes alone is handled at once, as before.
  static int64_t last = -1;
  int64_t now = now_ms();
  if (n > 0 && last >= 0 && now - last < 1) {
    struct timespec pause = {0, 1000 * 1000};
    ::nanosleep(&pause, nullptr);
    now = now_ms();
  }
  if (n > 0) last = now;
}

void on_signals(Context& c, int sigfd) {
  for (int sig; (sig = svkit::SignalFd::next_signal(sigfd)) > 0;) {
    // INT as TERM: a Ctrl-C on svscan's terminal reaches every supervise in its group;
    // dying of it (as runsv does) would orphan the services.
    if (sig == SIGTERM || sig == SIGINT) apply(c, c.main, svkit::on_sigterm(c.main.sv));
  }
  reap(c);
}

int loop(Context& c, int sigfd) {
  for (;;) {
    if (c.has_log && !c.log_closing) {
      start_due(c, c.log);
      flush(c.log);  // the logger is published as running before ./run can write to it
    }
    start_due(c, c.main);
    bool leave = ready_to_leave(c);
    flush(c.main);
    if (c.has_log) flush(c.log);
    if (leave) return 0;
    // signals; per service: control, an adopted pidfd, the notification pipe, inotify
    struct pollfd fds[9];
    Service* owner[9] = {};
    nfds_t n = 0;
    fds[n++] = {sigfd, POLLIN, 0};
    for (Service* s : {&c.main, &c.log}) {
      if (s == &c.log && !c.has_log) continue;
      for (int fd : {s->control.get(), s->pidfd.get(), s->notify.get(), deps_fd(*s)}) {
        if (fd < 0) continue;
        owner[n] = s;
        fds[n++] = {fd, POLLIN, 0};
      }
    }
    if (::poll(fds, n, poll_timeout(c)) < 0) continue;  // EINTR; nothing else is expected
    if (fds[0].revents) on_signals(c, sigfd);
    for (Service* s : {&c.main, &c.log}) poll_due(c, *s, now_ms());  // as a pidfd would
    for (nfds_t i = 1; i < n; ++i) {
      if (!fds[i].revents) continue;
      Service& s = *owner[i];
      int fd = fds[i].fd;
      if (fd == s.control.get()) read_control(c, s);
      else if (s.pidfd && fd == s.pidfd.get()) child_gone(c, s, -1, 0);  // status unknown
      else if (s.notify && fd == s.notify.get()) read_notify(c, s);
      else if (fd == deps_fd(s)) deps_event(s);
    }
  }
}

}  // namespace
}  // namespace supervise

int svscan_main(int argc, char** argv);  // cmd/svscan/main.cpp

// One executable, two programs: run as "svscan" it is the scanner (so the scanner shares
// its code pages with every supervise), under any other name it is supervise.
static bool run_as(const char* argv0, const char* name) {
  const char* base = strrchr(argv0, '/');
  return strcmp(base ? base + 1 : argv0, name) == 0;
}

// The fault-injection test build (CMakeLists.txt) is run as svscan-faulty.
#ifndef SVKIT_SVSCAN_NAME
#define SVKIT_SVSCAN_NAME "svscan"
#endif

int main(int argc, char** argv) {
  if (argc > 0 && run_as(argv[0], SVKIT_SVSCAN_NAME)) return svscan_main(argc, argv);
  svkit::set_prog("supervise");
  if (argc != 2 || !argv[1][0]) svkit::die_usage("supervise dir");
  static char prog[512] = "supervise ";  // messages read "supervise DIR: fatal: ..."
  strncat(prog, argv[1], sizeof prog - 11);
  svkit::set_prog(prog);
  svkit::cloexec_inherited();  // whoever started us may have leaked fds
  if (::chdir(argv[1]) != 0)
    svkit::die_sys(svkit::kExitTemporary, {"unable to change to directory"});
  static svkit::SignalFd signals;  // before any child exists
  if (!signals.open({SIGCHLD, SIGTERM, SIGINT}))
    svkit::die_sys(svkit::kExitTemporary, {"unable to set up signals"});
  int sigfd = signals.fd();
  static supervise::Context c;
  c.name = supervise::service_name(argv[1]);
  c.scan_dir = supervise::take_env(svkit::kScanDirEnv);  // children never see it
  if (!supervise::tree_init(c))  // before the first child: orphans of the service stay ours
    svkit::warn_sys({"unable to become the child subreaper"});
  supervise::setup(c);
  svkit::trim_footprint();  // unmap read-only pages start-up touched (they return on use)
  return supervise::loop(c, sigfd);
}
