// SPDX-License-Identifier: MIT
// supervisor: runsv's transitions as a table of small pure functions.
#include "svkit/supervisor.hpp"

#include <signal.h>

namespace svkit {
namespace {

Action publish(bool stamp = false) noexcept {
  Action a;
  a.kind = Action::Kind::publish;
  a.stamp = stamp;
  return a;
}

Action signal(const Supervised& s, int sig, Target t, char custom, bool marks = false) noexcept {
  Action a;
  a.kind = Action::Kind::signal;
  a.sig = sig;
  a.target = t;
  a.custom = s.is_log ? 0 : custom;  // the log service cannot be customised
  a.marks_term = marks;
  return a;
}

Action script(char byte) noexcept {
  Action a;
  a.kind = Action::Kind::script;
  a.custom = byte;
  return a;
}

bool running(const Supervised& s) noexcept { return s.state == RunState::run && s.pid != 0; }

// runsv's stopservice(): SIG (TERM, or the down-signal file's for d/x) unless control/t
// handles it, then for want down/exit CONT and control/d or control/x. Stopping reaches
// the whole process group.
void stop(const Supervised& s, Actions& out, int sig) noexcept {
  out.add(signal(s, sig, Target::group, 't', true));
  if (s.want == Goal::up) return;
  out.add(signal(s, SIGCONT, Target::group, 0));
  if (!s.is_log) out.add(script(s.want == Goal::down ? 'd' : 'x'));
}

// Plain signal bytes: sent only while ./run runs, replaceable by control/<byte>.
int plain_signal(char byte) noexcept {
  switch (byte) {
    case 'h': return SIGHUP;
    case 'a': return SIGALRM;
    case 'i': return SIGINT;
    case 'q': return SIGQUIT;
    case '1': return SIGUSR1;
    case '2': return SIGUSR2;
    default: return 0;
  }
}

Step want(const Supervised& s, Goal g) noexcept {
  Step st{s, {}};
  st.next.want = g;
  st.next.once = false;
  if (g == Goal::up) st.next.failed = false;  // an explicit up ends failed and a back-off wait
  st.next.backoff = false;
  if (g != Goal::up) st.next.waiting = false;
  st.actions.add(publish());
  if (g != Goal::up && running(st.next)) stop(st.next, st.actions, s.down_signal);
  return st;
}

}  // namespace

Step on_control(const Supervised& s, char byte) noexcept {
  Step st{s, {}};
  switch (byte) {
    case 'u': return want(s, Goal::up);
    case 'd': return want(s, Goal::down);
    case 'x': return s.is_log ? st : want(s, Goal::exit);
    case 'o':
      st.next.want = Goal::down;
      st.next.once = s.state == RunState::down && s.pid == 0;
      st.next.failed = false;
      st.next.backoff = false;
      st.actions.add(publish());
      return st;
    case 't':
      if (running(s)) stop(s, st.actions, SIGTERM);
      return st;
    case 'k':
      if (running(s)) st.actions.add(signal(s, SIGKILL, Target::group, 'k'));
      return st;
    case 'p':
    case 'c':
      if (running(s))
        st.actions.add(signal(s, byte == 'p' ? SIGSTOP : SIGCONT, Target::group, byte));
      st.next.paused = byte == 'p';
      st.actions.add(publish());
      return st;
    default:
      if (int sig = plain_signal(byte); sig && running(s))
        st.actions.add(signal(s, sig, Target::pid, byte));
      return st;
  }
}

Step on_sigterm(const Supervised& s) noexcept { return on_control(s, 'x'); }

Step on_started(const Supervised& s, pid_t pid) noexcept {
  Step st{s, {}};
  bool finish = s.state == RunState::finish;
  st.next.pid = pid;
  st.next.paused = false;
  st.next.got_term = false;
  if (!finish) {
    st.next.state = RunState::run;
    st.next.once = false;
    st.next.backoff = st.next.waiting = st.next.failed = false;
    st.next.ready = st.next.has_readiness = false;
  }
  st.actions.add(publish(!finish));  // starting ./finish keeps the time of the last start
  return st;
}

Step on_exited(const Supervised& s, bool finish_exists) noexcept {
  Step st{s, {}};
  st.next.pid = 0;
  st.next.got_term = false;
  st.next.ready = false;
  if (s.state == RunState::run && finish_exists && !s.is_log) {
    st.next.state = RunState::finish;  // published once ./finish has its pid
    return st;
  }
  st.next.state = RunState::down;
  st.actions.add(publish(true));
  return st;
}

Step on_start_failed(const Supervised& s, bool finish_exists) noexcept {
  Supervised started = s;
  started.state = RunState::run;
  started.once = false;
  return on_exited(started, finish_exists);
}

Step on_main_gone(const Supervised& log) noexcept {
  Step st{log, {}};
  st.next.want = Goal::exit;
  st.next.once = false;
  st.actions.add(publish());
  return st;
}

Step on_term_sent(const Supervised& s) noexcept {
  Step st{s, {}};
  st.next.got_term = true;
  st.actions.add(publish());
  return st;
}

Step on_adopted(const Supervised& s, pid_t pid, const Status* old) noexcept {
  Step st{s, {}};
  st.next.pid = pid;
  st.next.state = RunState::run;
  if (old && old->pid == pid) {
    st.next.paused = old->paused;
    st.next.got_term = old->got_term;
    if (old->state == RunState::finish) st.next.state = RunState::finish;
  }
  st.actions.add(publish());
  return st;
}

Step on_down_file(const Supervised& s) noexcept {
  Step st{s, {}};
  st.next.want = Goal::down;
  return st;
}

Step on_readiness(const Supervised& s, bool has_readiness) noexcept {
  Step st{s, {}};
  st.next.has_readiness = has_readiness && running(s);
  st.next.ready = false;
  return st;
}

Step on_ready(const Supervised& s) noexcept {
  Step st{s, {}};
  if (running(s) && s.has_readiness) st.next.ready = true;
  return st;
}

Step on_ready_timeout(const Supervised& s) noexcept {
  Step st{s, {}};
  if (!running(s) || !s.has_readiness || s.ready || s.got_term) return st;
  stop(s, st.actions, s.down_signal);
  // As d does: CONT, so that a paused service gets the signal (want up: stop() sent none).
  if (s.want == Goal::up) st.actions.add(signal(s, SIGCONT, Target::group, 0));
  return st;
}

Step on_watchdog(const Supervised& s) noexcept {
  Step st{s, {}};
  if (!running(s) || s.got_term) return st;
  stop(s, st.actions, s.down_signal);
  if (s.want == Goal::up) st.actions.add(signal(s, SIGCONT, Target::group, 0));
  return st;
}

Step on_kill_timeout(const Supervised& s) noexcept {
  Step st{s, {}};
  if (s.pid != 0) st.actions.add(signal(s, SIGKILL, Target::group, 0));  // run or finish
  return st;
}

Step on_backoff(const Supervised& s, bool on) noexcept {
  Step st{s, {}};
  st.next.backoff = on;
  return st;
}

Step on_waiting(const Supervised& s, bool on) noexcept {
  Step st{s, {}};
  st.next.waiting = on;
  return st;
}

Step on_failed(const Supervised& s) noexcept {
  Step st{s, {}};
  st.next.failed = true;
  st.next.backoff = st.next.waiting = false;
  return st;
}

Step on_down_signal(const Supervised& s, int sig) noexcept {
  Step st{s, {}};
  st.next.down_signal = static_cast<uint8_t>(sig > 0 && sig < 256 ? sig : SIGTERM);
  return st;
}

const char* phase_name(Phase p) noexcept {
  switch (p) {
    case Phase::down: return "down";
    case Phase::starting: return "starting";
    case Phase::up: return "up";
    case Phase::finishing: return "finishing";
    case Phase::stopping: return "stopping";
    case Phase::backoff: return "backoff";
    case Phase::waiting: return "waiting";
    case Phase::failed: return "failed";
  }
  return "down";
}

Phase phase_of(const Supervised& s) noexcept {
  if (s.state == RunState::finish) return Phase::finishing;
  if (s.state == RunState::run) {
    if (s.got_term) return Phase::stopping;
    return s.has_readiness && !s.ready ? Phase::starting : Phase::up;
  }
  if (s.failed) return Phase::failed;
  if (s.waiting) return Phase::waiting;
  if (s.backoff) return Phase::backoff;
  return Phase::down;
}

bool needs_run(const Supervised& s) noexcept {
  return s.pid == 0 && s.state == RunState::down && !s.failed && (s.want == Goal::up || s.once);
}

bool needs_finish(const Supervised& s) noexcept {
  return s.pid == 0 && s.state == RunState::finish;
}

bool ready_to_exit(const Supervised& s) noexcept {
  return s.want == Goal::exit && s.pid == 0 && s.state == RunState::down;
}

Status to_status(const Supervised& s, const Tai64n& when) noexcept {
  Status st;
  st.when = when;
  st.pid = s.pid;
  st.paused = s.paused;
  st.want = s.want == Goal::up ? Want::up : Want::down;
  st.got_term = s.got_term;
  st.state = s.state;
  st.want_exit = s.want == Goal::exit;
  return st;
}

}  // namespace svkit
