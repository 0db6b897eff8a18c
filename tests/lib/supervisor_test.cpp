// SPDX-License-Identifier: MIT
// The supervise state machine, cell by cell: (state, event) -> (next state, actions).
#include <catch2/catch.hpp>

#include <signal.h>

#include <algorithm>
#include <string>

#include "svkit/supervisor.hpp"

using namespace svkit;
using Kind = Action::Kind;

namespace {

Supervised running(pid_t pid = 42) {
  Supervised s;
  s.state = RunState::run;
  s.pid = pid;
  return s;
}

Supervised finishing(pid_t pid = 43) {
  Supervised s;
  s.state = RunState::finish;
  s.pid = pid;
  return s;
}

// The actions in a compact text form: P publish, P* publish+stamp, S<sig><g|p>[/X][!]
// signal (X = control script that may replace it, ! = marks got TERM), X<c> script.
std::string trace(const Actions& as) {
  std::string out;
  for (const Action& a : as) {
    if (!out.empty()) out += ' ';
    switch (a.kind) {
      case Kind::publish: out += a.stamp ? "P*" : "P"; break;
      case Kind::script: out += std::string("X") + a.custom; break;
      case Kind::signal:
        out += "S" + std::to_string(a.sig) + (a.target == Target::group ? "g" : "p");
        if (a.custom) out += std::string("/") + a.custom;
        if (a.marks_term) out += "!";
        break;
    }
  }
  return out;
}

const std::string TERM = std::to_string(SIGTERM), CONT = std::to_string(SIGCONT);

}  // namespace

TEST_CASE("supervisor: u: want up, published, nothing signalled", "[supervisor][unit]") {
  for (Supervised s : {Supervised{}, running(), finishing()}) {
    s.want = Goal::down;
    Step st = on_control(s, 'u');
    CHECK(st.next.want == Goal::up);
    CHECK(trace(st.actions) == "P");
  }
}

TEST_CASE("supervisor: d while running: TERM (replaceable by control/t) to the group, CONT, control/d",
          "[supervisor][unit]") {
  Step st = on_control(running(), 'd');
  CHECK(st.next.want == Goal::down);
  CHECK(trace(st.actions) == "P S" + TERM + "g/t! S" + CONT + "g Xd");
}

TEST_CASE("supervisor: d while down or in finish only changes want", "[supervisor][unit]") {
  CHECK(trace(on_control(Supervised{}, 'd').actions) == "P");
  Step st = on_control(finishing(), 'd');
  CHECK(st.next.want == Goal::down);
  CHECK(trace(st.actions) == "P");
}

TEST_CASE("supervisor: x while running: want exit, TERM, CONT, control/x", "[supervisor][unit]") {
  Step st = on_control(running(), 'x');
  CHECK(st.next.want == Goal::exit);
  CHECK(trace(st.actions) == "P S" + TERM + "g/t! S" + CONT + "g Xx");
  CHECK(trace(on_sigterm(running()).actions) == trace(st.actions));
}

TEST_CASE("supervisor: x is ignored by the log service", "[supervisor][unit]") {
  Supervised log = running();
  log.is_log = true;
  Step st = on_control(log, 'x');
  CHECK(st.next.want == Goal::up);
  CHECK(st.actions.count == 0);
}

TEST_CASE("supervisor: the log service has no control scripts", "[supervisor][unit]") {
  Supervised log = running();
  log.is_log = true;
  CHECK(trace(on_control(log, 'd').actions) == "P S" + TERM + "g! S" + CONT + "g");
  CHECK(trace(on_control(log, 'h').actions) == "S" + std::to_string(SIGHUP) + "p");
}

TEST_CASE("supervisor: o: want down, one start when down, none when running", "[supervisor][unit]") {
  Step st = on_control(Supervised{}, 'o');
  CHECK(st.next.want == Goal::down);
  CHECK(st.next.once);
  CHECK(needs_run(st.next));
  Step r = on_control(running(), 'o');
  CHECK_FALSE(r.next.once);
  CHECK(r.next.want == Goal::down);
  CHECK(trace(r.actions) == "P");
}

TEST_CASE("supervisor: d cancels a pending once", "[supervisor][unit]") {
  Step st = on_control(on_control(Supervised{}, 'o').next, 'd');
  CHECK_FALSE(st.next.once);
  CHECK_FALSE(needs_run(st.next));
}

TEST_CASE("supervisor: t: TERM, with want down/exit also CONT and the script", "[supervisor][unit]") {
  CHECK(trace(on_control(running(), 't').actions) == "S" + TERM + "g/t!");
  Supervised s = running();
  s.want = Goal::down;
  CHECK(trace(on_control(s, 't').actions) == "S" + TERM + "g/t! S" + CONT + "g Xd");
  s.want = Goal::exit;
  CHECK(trace(on_control(s, 't').actions) == "S" + TERM + "g/t! S" + CONT + "g Xx");
  CHECK(on_control(Supervised{}, 't').actions.count == 0);
  CHECK(on_control(finishing(), 't').actions.count == 0);
}

TEST_CASE("supervisor: k: KILL to the group while running only", "[supervisor][unit]") {
  CHECK(trace(on_control(running(), 'k').actions) == "S" + std::to_string(SIGKILL) + "g/k");
  CHECK(on_control(Supervised{}, 'k').actions.count == 0);
  CHECK(on_control(finishing(), 'k').actions.count == 0);
}

TEST_CASE("supervisor: p and c: STOP/CONT to the group, the paused flag changes anyway",
          "[supervisor][unit]") {
  Step p = on_control(running(), 'p');
  CHECK(p.next.paused);
  CHECK(trace(p.actions) == "S" + std::to_string(SIGSTOP) + "g/p P");
  Step c = on_control(p.next, 'c');
  CHECK_FALSE(c.next.paused);
  CHECK(trace(c.actions) == "S" + CONT + "g/c P");
  Step down = on_control(Supervised{}, 'p');
  CHECK(down.next.paused);
  CHECK(trace(down.actions) == "P");
}

TEST_CASE("supervisor: h a i q 1 2: one signal to the pid, replaceable, only while running",
          "[supervisor][unit]") {
  const std::pair<char, int> table[] = {{'h', SIGHUP},  {'a', SIGALRM}, {'i', SIGINT},
                                        {'q', SIGQUIT}, {'1', SIGUSR1}, {'2', SIGUSR2}};
  for (auto [byte, sig] : table) {
    INFO("byte " << byte);
    CHECK(trace(on_control(running(), byte).actions) ==
          "S" + std::to_string(sig) + "p/" + std::string(1, byte));
    CHECK(on_control(Supervised{}, byte).actions.count == 0);
    CHECK(on_control(finishing(), byte).actions.count == 0);
  }
}

TEST_CASE("supervisor: other bytes change nothing", "[supervisor][unit]") {
  for (int b = 0; b < 256; ++b) {
    char c = static_cast<char>(b);
    if (std::string("udoxtkpchaiq12").find(c) != std::string::npos) continue;
    Step st = on_control(running(), c);
    CHECK(st.actions.count == 0);
    CHECK(st.next.want == Goal::up);
    CHECK(st.next.pid == 42);
  }
}

TEST_CASE("supervisor: started: run gets a new stamp and clean flags, finish keeps the stamp",
          "[supervisor][unit]") {
  Supervised s;
  s.paused = true;
  s.once = true;
  Step st = on_started(s, 7);
  CHECK(st.next.state == RunState::run);
  CHECK(st.next.pid == 7);
  CHECK_FALSE(st.next.paused);
  CHECK_FALSE(st.next.once);
  CHECK(trace(st.actions) == "P*");
  Supervised f;
  f.state = RunState::finish;
  Step fs = on_started(f, 8);
  CHECK(fs.next.state == RunState::finish);
  CHECK(fs.next.pid == 8);
  CHECK(trace(fs.actions) == "P");
}

TEST_CASE("supervisor: exit of run: finish when readable, else down (stamped)", "[supervisor][unit]") {
  Supervised s = running();
  s.got_term = true;
  Step f = on_exited(s, true);
  CHECK(f.next.state == RunState::finish);
  CHECK(f.next.pid == 0);
  CHECK_FALSE(f.next.got_term);
  CHECK(needs_finish(f.next));
  CHECK(f.actions.count == 0);
  Step d = on_exited(s, false);
  CHECK(d.next.state == RunState::down);
  CHECK(trace(d.actions) == "P*");
  CHECK(needs_run(d.next));
}

TEST_CASE("supervisor: exit of finish: down, restarted only when want up", "[supervisor][unit]") {
  Step d = on_exited(finishing(), true);
  CHECK(d.next.state == RunState::down);
  CHECK(trace(d.actions) == "P*");
  Supervised f = finishing();
  f.want = Goal::down;
  CHECK_FALSE(needs_run(on_exited(f, true).next));
}

TEST_CASE("supervisor: a run that cannot start counts as started and exited", "[supervisor][unit]") {
  Supervised once;
  once.want = Goal::down;
  once.once = true;
  Step st = on_start_failed(once, false);
  CHECK(st.next.state == RunState::down);
  CHECK_FALSE(st.next.once);
  CHECK_FALSE(needs_run(st.next));
  CHECK(needs_finish(on_start_failed(Supervised{}, true).next));
}

TEST_CASE("supervisor: the log service never runs finish", "[supervisor][unit]") {
  Supervised log = running();
  log.is_log = true;
  CHECK(on_exited(log, true).next.state == RunState::down);
}

TEST_CASE("supervisor: exit: ready once want exit and nothing runs, the log then wants exit",
          "[supervisor][unit]") {
  Supervised s = on_control(running(), 'x').next;
  CHECK_FALSE(ready_to_exit(s));
  s = on_exited(s, false).next;
  CHECK(ready_to_exit(s));
  CHECK_FALSE(needs_run(s));
  Supervised log = running();
  log.is_log = true;
  Step g = on_main_gone(log);
  CHECK(g.next.want == Goal::exit);
  CHECK(trace(g.actions) == "P");
  CHECK_FALSE(needs_run(on_exited(g.next, false).next));
}

TEST_CASE("supervisor: got TERM is set only when the TERM was sent", "[supervisor][unit]") {
  Supervised s = running();
  CHECK_FALSE(on_control(s, 't').next.got_term);
  Step sent = on_term_sent(s);
  CHECK(sent.next.got_term);
  CHECK(trace(sent.actions) == "P");
  CHECK_FALSE(on_started(sent.next, 9).next.got_term);
}

TEST_CASE("supervisor: status record fields: want exit is written as 'd'", "[supervisor][unit]") {
  Supervised s = running();
  s.want = Goal::exit;
  s.got_term = true;
  s.paused = true;
  Status st = to_status(s, Tai64n::from_unix(5, 500));
  CHECK(st.want == Want::down);
  CHECK(st.want_exit);
  CHECK(st.got_term);
  CHECK(st.paused);
  CHECK(st.pid == 42);
  CHECK(st.state == RunState::run);
  CHECK(to_status(Supervised{}, {}).want == Want::up);
}

TEST_CASE("supervisor: no event in any state overflows the action list", "[supervisor][unit]") {
  int most = 0;
  for (RunState st : {RunState::down, RunState::run, RunState::finish})
    for (Goal g : {Goal::up, Goal::down, Goal::exit})
      for (bool log : {false, true})
        for (bool term : {false, true}) {
          Supervised s;
          s.state = st;
          s.want = g;
          s.is_log = log;
          s.got_term = term;
          s.pid = st == RunState::down ? 0 : 42;
          s.has_readiness = true;
          for (int b = 0; b < 256; ++b)
            most = std::max(most, on_control(s, static_cast<char>(b)).actions.count);
          for (const Step& x : {on_sigterm(s), on_started(s, 5), on_exited(s, true),
                                on_start_failed(s, true), on_main_gone(s), on_term_sent(s),
                                on_adopted(s, 5, nullptr), on_ready(s), on_ready_timeout(s),
                                on_kill_timeout(s), on_failed(s), on_backoff(s, true),
                                on_waiting(s, true), on_down_signal(s, SIGQUIT), on_down_file(s)})
            most = std::max(most, x.actions.count);
        }
  CHECK(most == Actions::kCapacity);
}

TEST_CASE("supervisor: adopted: running with the old record's flags when it names the pid",
          "[supervisor][unit]") {
  Status old;
  old.pid = 77;
  old.paused = true;
  old.got_term = true;
  old.state = RunState::finish;
  Step a = on_adopted(Supervised{}, 77, &old);
  CHECK(a.next.pid == 77);
  CHECK(a.next.state == RunState::finish);
  CHECK(a.next.paused);
  CHECK(a.next.got_term);
  CHECK(trace(a.actions) == "P");
  Step b = on_adopted(Supervised{}, 78, &old);  // a record about someone else
  CHECK(b.next.state == RunState::run);
  CHECK_FALSE(b.next.paused);
  CHECK_FALSE(b.next.got_term);
}

TEST_CASE("supervisor: down-signal replaces TERM for d and x, not for t", "[supervisor][unit]") {
  Supervised s = on_down_signal(running(), SIGQUIT).next;
  CHECK(trace(on_control(s, 'd').actions) ==
        "P S" + std::to_string(SIGQUIT) + "g/t! S" + CONT + "g Xd");
  CHECK(trace(on_control(s, 'x').actions) ==
        "P S" + std::to_string(SIGQUIT) + "g/t! S" + CONT + "g Xx");
  CHECK(trace(on_control(s, 't').actions) == "S" + TERM + "g/t!");
  CHECK(on_down_signal(s, 0).next.down_signal == SIGTERM);
}

TEST_CASE("supervisor: phases from state and policy flags", "[supervisor][unit]") {
  Supervised s;
  CHECK(phase_of(s) == Phase::down);
  CHECK(phase_of(on_backoff(s, true).next) == Phase::backoff);
  CHECK(phase_of(on_waiting(s, true).next) == Phase::waiting);
  Supervised f = on_failed(on_backoff(s, true).next).next;
  CHECK(phase_of(f) == Phase::failed);
  CHECK_FALSE(needs_run(f));
  CHECK(needs_run(on_control(f, 'u').next));  // u clears failed
  CHECK(phase_of(on_control(on_backoff(s, true).next, 'u').next) == Phase::down);
  Supervised r = running();
  CHECK(phase_of(r) == Phase::up);
  Supervised rr = on_readiness(r, true).next;
  CHECK(phase_of(rr) == Phase::starting);
  CHECK(phase_of(on_ready(rr).next) == Phase::up);
  CHECK(phase_of(on_term_sent(r).next) == Phase::stopping);
  CHECK(phase_of(finishing()) == Phase::finishing);
  CHECK_FALSE(on_ready(r).next.ready);  // no readiness: never "ready"
  CHECK_FALSE(on_exited(on_ready(rr).next, false).next.ready);
}

TEST_CASE("supervisor: readiness timeout stops with the down signal, want stays up",
          "[supervisor][unit]") {
  Supervised s = on_readiness(on_down_signal(running(), SIGINT).next, true).next;
  Step t = on_ready_timeout(s);
  CHECK(trace(t.actions) == "S" + std::to_string(SIGINT) + "g/t! S" + std::to_string(SIGCONT) + "g");
  CHECK(t.next.want == Goal::up);
  CHECK(on_ready_timeout(on_ready(s).next).actions.count == 0);       // ready in time
  CHECK(on_ready_timeout(on_term_sent(s).next).actions.count == 0);   // already stopping
  CHECK(trace(on_kill_timeout(s).actions) == "S" + std::to_string(SIGKILL) + "g");
  CHECK(trace(on_kill_timeout(finishing()).actions) == "S" + std::to_string(SIGKILL) + "g");
  CHECK(on_kill_timeout(Supervised{}).actions.count == 0);
}
