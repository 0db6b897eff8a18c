// SPDX-License-Identifier: MIT
// fuzz-needs: lib/policy.cpp
// The pure state machine of supervise with svkit's policy events (replaces supervisor.cpp
// once lib/policy.cpp is merged). Each input byte is a control byte from the FIFO, or
// (>= 0x80) an event driven the way supervise drives it. Invariants after every step.
#include <signal.h>

#include "fuzz.hpp"
#include "svkit/supervisor.hpp"

using namespace svkit;

namespace {

void check(const Step& st, const Supervised& before) {
  const Supervised& n = st.next;
  if (n.state == RunState::down) FUZZ_CHECK(n.pid == 0);
  if (n.state == RunState::run) FUZZ_CHECK(n.pid != 0);
  if (n.pid == 0) FUZZ_CHECK(!n.got_term);
  FUZZ_CHECK(!(needs_run(n) && needs_finish(n)));
  if (needs_run(n)) FUZZ_CHECK(!n.failed);
  if (ready_to_exit(n)) FUZZ_CHECK(!needs_run(n) && !needs_finish(n));
  FUZZ_CHECK(n.is_log == before.is_log);
  // (A log service may be in state finish only when adopted from a record that says so.)
  FUZZ_CHECK(st.actions.count <= Actions::kCapacity);
  for (const Action& a : st.actions) {
    if (a.kind == Action::Kind::signal) {
      FUZZ_CHECK(before.pid != 0);  // never kill(0) or kill(-0): the whole group of supervise
      FUZZ_CHECK(a.sig > 0 && a.sig < NSIG);
      if (n.is_log) FUZZ_CHECK(a.custom == 0);
    } else if (a.kind == Action::Kind::script) {
      FUZZ_CHECK(!n.is_log);
    }
  }
  Phase ph = phase_of(n);
  FUZZ_CHECK(static_cast<int>(ph) <= static_cast<int>(Phase::failed));
  FUZZ_CHECK(phase_name(ph) != nullptr);
  Status rec = to_status(n, Tai64n{});
  FUZZ_CHECK(rec.pid == n.pid && rec.state == n.state);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  Supervised s;
  uint8_t setup = in.byte();
  s.is_log = setup & 1;
  Step st{s, {}};
  if (setup & 2) {
    st = on_down_file(s);
    check(st, s);
    s = st.next;
  }
  if (setup & 4) {  // a previous supervise's process taken over
    Status old;
    old.pid = 99;
    old.paused = setup & 8;
    old.got_term = setup & 16;
    old.state = (setup & 32) ? RunState::finish : RunState::run;
    st = on_adopted(s, 99, (setup & 64) ? &old : nullptr);
    check(st, s);
    s = st.next;
  }
  bool main_gone_sent = false;
  pid_t next_pid = 100;
  while (!in.empty()) {
    uint8_t b = in.byte();
    if (b < 0x80) {
      st = on_control(s, static_cast<char>(b));
    } else {
      bool flag = b & 1;
      switch ((b >> 1) & 15) {
        case 0: st = on_sigterm(s); break;
        case 1:
          if (!needs_run(s) && !needs_finish(s)) continue;
          st = on_started(s, next_pid++);
          break;
        case 2:
          if (s.pid == 0) continue;
          st = on_exited(s, flag);
          break;
        case 3:
          if (!needs_run(s)) continue;
          st = on_start_failed(s, flag);
          break;
        case 4:
          if (!s.is_log || main_gone_sent) continue;
          main_gone_sent = true;
          st = on_main_gone(s);
          break;
        case 5: {
          bool marked = false;
          st = on_control(s, 't');
          for (const Action& a : st.actions) marked |= a.marks_term;
          check(st, s);
          s = st.next;
          if (!marked) continue;
          st = on_term_sent(s);
          break;
        }
        case 6: st = on_readiness(s, flag); break;
        case 7:
          if (s.pid == 0 || !s.has_readiness) continue;
          st = on_ready(s);
          break;
        case 8: st = on_ready_timeout(s); break;
        case 9: st = on_kill_timeout(s); break;
        case 10: st = on_backoff(s, flag); break;
        case 11: st = on_waiting(s, flag); break;
        case 12: st = on_failed(s); break;
        case 13: st = on_down_signal(s, flag ? SIGHUP : SIGTERM); break;
        default: st = on_down_signal(s, static_cast<int>(in.byte() % (NSIG - 1)) + 1); break;
      }
    }
    if (s.is_log && s.want != Goal::exit && !main_gone_sent) FUZZ_CHECK(st.next.want != Goal::exit);
    check(st, s);
    s = st.next;
  }
  return 0;
}
