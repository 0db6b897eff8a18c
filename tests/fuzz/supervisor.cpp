// SPDX-License-Identifier: MIT
// The pure state machine of supervise (lib/supervisor) driven the way supervise drives
// it: each input byte is a control byte from the FIFO, or (bytes >= 0x80) an event:
// SIGTERM, ./run or ./finish started, the process exited, a start failed, the main
// service gone (log), a TERM really sent. Invariants are checked after every step.
#include <signal.h>

#include "fuzz.hpp"
#include "svkit/supervisor.hpp"

using namespace svkit;

namespace {

void check(const Step& st, const Supervised& before) {
  const Supervised& n = st.next;
  // Nothing runs while down; ./run always has a pid while the state says it runs.
  if (n.state == RunState::down) FUZZ_CHECK(n.pid == 0);
  if (n.state == RunState::run) FUZZ_CHECK(n.pid != 0);
  if (n.pid == 0) FUZZ_CHECK(!n.got_term);
  FUZZ_CHECK(!(needs_run(n) && needs_finish(n)));
  if (ready_to_exit(n)) FUZZ_CHECK(!needs_run(n) && !needs_finish(n));
  FUZZ_CHECK(n.is_log == before.is_log);
  // The log service has no ./finish.
  if (n.is_log) FUZZ_CHECK(n.state != RunState::finish);
  FUZZ_CHECK(st.actions.count <= 4);  // Actions holds 6: nothing was ever dropped
  for (const Action& a : st.actions) {
    switch (a.kind) {
      case Action::Kind::signal:
        // Signals go only to a running ./run, never to pid 0 (the whole group) or finish.
        FUZZ_CHECK(before.state == RunState::run && before.pid != 0);
        FUZZ_CHECK(a.sig > 0 && a.sig < NSIG);
        if (n.is_log) FUZZ_CHECK(a.custom == 0);
        break;
      case Action::Kind::script:
        FUZZ_CHECK(!n.is_log);
        FUZZ_CHECK(a.custom == 'd' || a.custom == 'x');
        break;
      case Action::Kind::publish:
        break;
    }
  }
  Status rec = to_status(n, Tai64n{});
  FUZZ_CHECK(rec.pid == n.pid && rec.state == n.state);
  FUZZ_CHECK(rec.want == (n.want == Goal::up ? Want::up : Want::down));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  Supervised s;
  uint8_t setup = in.byte();
  s.is_log = setup & 1;
  s.want = (setup & 2) ? Goal::down : Goal::up;  // ./down exists
  bool main_gone_sent = false;
  pid_t next_pid = 100;
  while (!in.empty()) {
    uint8_t b = in.byte();
    Step st;
    if (b < 0x80) {
      st = on_control(s, static_cast<char>(b));
    } else {
      bool finish_exists = b & 1;
      switch ((b >> 1) & 7) {
        case 0:
          st = on_sigterm(s);
          break;
        case 1:  // supervise starts what the machine asks for
          if (needs_run(s) || needs_finish(s)) {
            st = on_started(s, next_pid++);
          } else {
            continue;
          }
          break;
        case 2:
        case 3:
          if (s.pid == 0) continue;
          st = on_exited(s, finish_exists);
          break;
        case 4:
          if (!needs_run(s)) continue;
          st = on_start_failed(s, finish_exists);
          FUZZ_CHECK(st.next.pid == 0);
          break;
        case 5:
          if (!s.is_log || main_gone_sent) continue;
          main_gone_sent = true;
          st = on_main_gone(s);
          FUZZ_CHECK(st.next.want == Goal::exit);
          break;
        default: {
          bool marked = false;
          st = on_control(s, 't');
          for (const Action& a : st.actions) marked |= a.marks_term;
          if (marked) st.next = term_sent(st.next);
          break;
        }
      }
    }
    // Only the main service's end makes the log service exit ('x' is ignored there).
    if (s.is_log && s.want != Goal::exit && !main_gone_sent) FUZZ_CHECK(st.next.want != Goal::exit);
    check(st, s);
    s = st.next;
  }
  return 0;
}
