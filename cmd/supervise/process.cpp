// SPDX-License-Identifier: MIT
// process: starting ./run, ./finish and control/X, signalling and reaping; carries out
// the actions the state machine asks for.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "service.hpp"
#include "svkit/diag.hpp"
#include "svkit/digits.hpp"
#include "svkit/paths.hpp"
#include "svkit/spawn.hpp"

namespace supervise {
namespace {

// stdout of ./run, ./finish, control/X is the log pipe; stdin of log/run its read end.
int stdio_moves(const Context& c, const Service& s, svkit::FdMove& mv) noexcept {
  if (!c.has_log) return 0;
  mv = s.sv.is_log ? svkit::FdMove{c.pipe_read.get(), 0} : svkit::FdMove{c.pipe_write.get(), 1};
  return mv.from >= 0 ? 1 : 0;
}

}  // namespace

// EXTRA (the notification pipe) is moved last: spawn lifts every source above 63 first,
// so no later move can clobber it.
pid_t spawn_in(const Context& c, const Service& s, char* const* argv,
               svkit::FdMove extra) noexcept {
  svkit::FdMove mv[2] = {{-1, -1}, {-1, -1}};
  svkit::SpawnSpec spec;
  spec.path = argv[0];
  spec.argv = argv;
  spec.cwd = s.cwd;
  spec.n_moves = stdio_moves(c, s, mv[0]);
  if (extra.from >= 0) mv[spec.n_moves++] = extra;
  spec.moves = mv;
  return svkit::spawn(spec);
}

namespace {

// runit's custom control script: control/X, run and waited for when it exists and is
// executable by its owner. Returns true when it exited 0 ("handled").
bool run_custom(const Context& c, Service& s, char byte) noexcept {
  if (s.sv.is_log || byte == 0) return false;
  char path[] = "control/?";
  path[8] = byte;
  struct stat st;
  if (::fstatat(s.dir.get(), path, &st, 0) != 0) {
    if (errno != ENOENT && errno != ENOTDIR) svkit::warn_sys({"unable to stat ", path});
    return false;
  }
  if (!(st.st_mode & S_IXUSR)) return false;
  flush(s);  // the script may look at the status: it sees the state it is called for
  char* argv[] = {path, nullptr};
  pid_t pid = spawn_in(c, s, argv);
  if (pid < 0) {
    svkit::warn_sys({"unable to run ", path});
    return false;
  }
  int w = 0;
  while (::waitpid(pid, &w, 0) < 0) {
    if (errno != EINTR) return false;
  }
  return WIFEXITED(w) && WEXITSTATUS(w) == 0;
}

bool finish_readable(const Service& s) noexcept {
  if (s.sv.is_log) return false;
  svkit::UniqueFd fd(::openat(s.dir.get(), svkit::kFinishFile, O_RDONLY | O_CLOEXEC));
  return static_cast<bool>(fd);
}

}  // namespace

int64_t now_ms() noexcept {
  struct timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void send_signal(const Service& s, int sig, svkit::Target target) noexcept {
  pid_t pid = s.sv.pid;
  if (pid <= 0) return;  // never kill(0) or killpg(0): that would be our own group
  if (target == svkit::Target::group) {
    // The group first; the pid as well when the process left its group (or none is
    // left); then every process of the tree outside the group (setsid, double fork).
    bool group = ::killpg(pid, sig) == 0;
    if (!group || ::getpgid(pid) != pid) ::kill(pid, sig);
    signal_tree(s, sig, group ? pid : -1);
    return;
  }
  ::kill(pid, sig);
}

void start_run(Context& c, Service& s) {
  s.last_start_ms = now_ms();
  run_custom(c, s, 'u');  // before every start of ./run
  char run[] = "./run";
  char* argv[] = {run, nullptr};
  svkit::Pipe notify;  // notification-fd: the write end becomes fd N of ./run
  if (s.policy.notification_fd >= 0 && !svkit::make_pipe(notify))
    svkit::warn_sys({"unable to create the notification pipe"});
  pid_t pid = spawn_in(c, s, argv, {notify.write ? notify.write.get() : -1,
                                    s.policy.notification_fd});
  notify.write.reset();  // the service holds the only write end: its exit is end-of-file
  if (pid < 0) {
    svkit::warn_sys({"unable to start ", s.sv.is_log ? "log/run" : "./run"});
    s.exit_code = 111;  // as runsv: its forked child exits 111
    s.exit_low = 0;
    apply(c, s, svkit::on_start_failed(s.sv, finish_readable(s)));
    ++s.starts;
    run_ended(c, s, 111, 0);
    return;
  }
  s.adopted = false;
  s.pid_start = record_start(s, pid);
  apply(c, s, svkit::on_started(s.sv, pid));
  run_started(c, s, notify.read ? notify.read.release() : -1, now_ms());
}

void start_finish(Context& c, Service& s) {
  char code[24], low[24];
  code[svkit::format_int(code, s.exit_code)] = '\0';
  low[svkit::format_int(low, s.exit_low)] = '\0';
  char finish[] = "./finish";
  char* argv[] = {finish, code, low, nullptr};
  pid_t pid = spawn_in(c, s, argv);
  if (pid < 0) {
    svkit::warn_sys({"unable to start ./finish"});
    apply(c, s, svkit::on_exited(s.sv, false));
    return;
  }
  s.adopted = false;
  s.pid_start = svkit::start_time_of(pid);
  apply(c, s, svkit::on_started(s.sv, pid));
  finish_started(s, now_ms());
}

void apply(Context& c, Service& s, const svkit::Step& step) {
  svkit::OneListing one;  // POSIX-only build: d's TERM and CONT reach the tree of one ps
  s.sv = step.next;
  for (const svkit::Action& a : step.actions) {
    switch (a.kind) {
      case svkit::Action::Kind::publish:
        if (a.stamp) s.when = svkit::tai_now();
        s.publish_pending = true;
        break;
      case svkit::Action::Kind::signal:
        if (a.custom && run_custom(c, s, a.custom)) break;
        send_signal(s, a.sig, a.target);
        if (a.marks_term) {
          apply(c, s, svkit::on_term_sent(s.sv));
          stop_signal_sent(s, now_ms());
        }
        break;
      case svkit::Action::Kind::script:
        run_custom(c, s, a.custom);
        break;
    }
  }
}

void child_gone(Context& c, Service& s, int code, int low) {
  s.exit_code = code;
  s.exit_low = low;
  s.adopted = false;
  s.pidfd.reset();
  bool was_run = s.sv.state == svkit::RunState::run;
  bool told = s.sv.got_term;  // the tree already had the stop signal
  bool finish = was_run && finish_readable(s);
  apply(c, s, svkit::on_exited(s.sv, finish));
  if (&s == &c.main && s.leftover_at < 0) leftovers(c, s, told);
  if (was_run) run_ended(c, s, code, low);
  s.finish_kill_at = -1;
}

// SIGCHLDs merge: one signal can stand for many exits, so drain.
void reap(Context& c) {
  for (;;) {
    int w = 0;
    pid_t pid = ::waitpid(-1, &w, WNOHANG);
    if (pid == 0) return;
    if (pid < 0) {
      if (errno == EINTR) continue;
      return;  // ECHILD
    }
    if (policy_reaped(c, c.main, pid, w) || (c.has_log && policy_reaped(c, c.log, pid, w)))
      continue;
    int code = WIFEXITED(w) ? WEXITSTATUS(w) : -1;
    int low = w & 0xff;
    if (pid == c.main.sv.pid && !c.main.adopted) child_gone(c, c.main, code, low);
    else if (c.has_log && pid == c.log.sv.pid && !c.log.adopted) child_gone(c, c.log, code, low);
    // anything else: a control/X script already waited for, or an orphan
  }
}

}  // namespace supervise
