// SPDX-License-Identifier: MIT
// supervisor: the pure state machine of one supervised service (runsv semantics,
// PROTOCOL.md 2.2-2.5): (state, event) -> (new state, actions). No I/O here; the
// supervise daemon carries out the actions in order.
#pragma once
#include <sys/types.h>

#include <signal.h>

#include <cstdint>

#include "svkit/status_file.hpp"

namespace svkit {

enum class Goal : uint8_t { up, down, exit };

// svkit's phase of a service (WAVE2 interface 1, supervise/svkit-status): runit's state
// refined by the policy files. Derived from Supervised by phase_of().
enum class Phase : uint8_t { down, starting, up, finishing, stopping, backoff, waiting, failed };
const char* phase_name(Phase p) noexcept;

struct Supervised {
  RunState state = RunState::down;
  Goal want = Goal::up;
  pid_t pid = 0;          // run or finish process; 0 when none
  bool paused = false;
  bool got_term = false;
  bool once = false;      // 'o' while down: start one time although want is down
  bool is_log = false;    // log/run: no control/X scripts, 'x' ignored, no finish
  // svkit's policy (all false / TERM for a plain runit service):
  bool has_readiness = false;  // this run has notification-fd or ./check
  bool ready = false;          // ...and has become ready
  bool failed = false;         // restart-limit reached or dependency cycle: no starts
  bool waiting = false;        // dependencies not up (ready) yet: no start
  bool backoff = false;        // a restart wait is pending
  uint8_t down_signal = SIGTERM;  // what d and x (and a readiness timeout) send
};

// Which processes a signal reaches: the service's process group, or only its pid.
enum class Target : uint8_t { pid, group };

struct Action {
  enum class Kind : uint8_t { publish, signal, script };
  Kind kind = Kind::publish;
  bool stamp = false;      // publish: set the status time to now (start / became down)
  int sig = 0;             // signal
  Target target = Target::pid;
  char custom = 0;         // signal: control/X that replaces it when it exits 0;
                           // script: control/X to run (exit code ignored)
  bool marks_term = false; // signal: once sent, apply term_sent() and publish
};

// The longest sequence one event produces is want(down) while running: publish, stop
// signal, CONT, control/d (4). add() beyond the capacity is a broken invariant and aborts
// (loud, never a silent drop); tests/lib/supervisor_test.cpp drives every event and byte
// in every state and checks the bound.
struct Actions {
  static constexpr int kCapacity = 4;
  Action list[kCapacity];
  int count = 0;
  void add(const Action& a) noexcept {
    if (count >= kCapacity) __builtin_trap();
    list[count++] = a;
  }
  const Action* begin() const noexcept { return list; }
  const Action* end() const noexcept { return list + count; }
};

struct Step {
  Supervised next;
  Actions actions;
};

// A control byte (u d o x t k p c h a i q 1 2; anything else changes nothing).
Step on_control(const Supervised& s, char byte) noexcept;
// SIGTERM to the supervisor: the same as 'x' for the main service.
Step on_sigterm(const Supervised& s) noexcept;
// ./run (state down) or ./finish (state finish) was started as PID.
Step on_started(const Supervised& s, pid_t pid) noexcept;
// The process ended. FINISH_EXISTS: ./finish is readable (only asked after ./run).
Step on_exited(const Supervised& s, bool finish_exists) noexcept;
// ./run could not be started: as if it had started and exited at once.
Step on_start_failed(const Supervised& s, bool finish_exists) noexcept;
// Log service once the main service is gone for good: want exit (never restarted).
Step on_main_gone(const Supervised& log) noexcept;
// The stop signal of a marks_term action was really sent: got TERM, published.
Step on_term_sent(const Supervised& s) noexcept;
// A process left by a previous supervise (killed) was taken over as PID. OLD: the status
// record that supervise wrote, when it names the same pid (flags and state carry over).
Step on_adopted(const Supervised& s, pid_t pid, const Status* old) noexcept;
// The service/down file: want down at start-up.
Step on_down_file(const Supervised& s) noexcept;
// Policy: the run reports readiness (notification-fd / ./check) for this run.
Step on_readiness(const Supervised& s, bool has_readiness) noexcept;
// The run became ready (a notification line, ./check exited 0).
Step on_ready(const Supervised& s) noexcept;
// timeout-ready passed while not ready: stop (the down signal and CONT), restart by the rules.
Step on_ready_timeout(const Supervised& s) noexcept;
// The watchdog tripped (a limit exceeded twice): stop with the down signal and CONT (the
// want stays up: restarted by the rules).
Step on_watchdog(const Supervised& s) noexcept;
// timeout-kill passed after the stop signal: KILL to the process group.
Step on_kill_timeout(const Supervised& s) noexcept;
// Restart-wait bookkeeping: a wait began (BACKOFF), dependencies missing (WAITING),
// restart-limit reached or a cycle (FAILED). Each only changes the flag.
Step on_backoff(const Supervised& s, bool on) noexcept;
Step on_waiting(const Supervised& s, bool on) noexcept;
Step on_failed(const Supervised& s) noexcept;
// The down-signal file of the next run (a signal number).
Step on_down_signal(const Supervised& s, int sig) noexcept;

// svkit's phase (supervise/svkit-status).
Phase phase_of(const Supervised& s) noexcept;

// Should ./run be started now (subject to the throttle / back-off and dependencies)?
bool needs_run(const Supervised& s) noexcept;
// Should ./finish be started now (no throttle)?
bool needs_finish(const Supervised& s) noexcept;
// Main service: want exit and nothing runs.
bool ready_to_exit(const Supervised& s) noexcept;

// The status record fields as runit writes them.
Status to_status(const Supervised& s, const Tai64n& when) noexcept;

}  // namespace svkit
