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

// runsv's stopservice(): TERM (unless control/t), then for want down/exit CONT and
// control/d or control/x. Stopping reaches the whole process group.
void stop(const Supervised& s, Actions& out) noexcept {
  out.add(signal(s, SIGTERM, Target::group, 't', true));
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
  st.actions.add(publish());
  if (g != Goal::up && running(st.next)) stop(st.next, st.actions);
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
      st.actions.add(publish());
      return st;
    case 't':
      if (running(s)) stop(s, st.actions);
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
  }
  st.actions.add(publish(!finish));  // starting ./finish keeps the time of the last start
  return st;
}

Step on_exited(const Supervised& s, bool finish_exists) noexcept {
  Step st{s, {}};
  st.next.pid = 0;
  st.next.got_term = false;
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

Supervised term_sent(Supervised s) noexcept {
  s.got_term = true;
  return s;
}

bool needs_run(const Supervised& s) noexcept {
  return s.pid == 0 && s.state == RunState::down && (s.want == Goal::up || s.once);
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
