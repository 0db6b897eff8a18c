// SPDX-License-Identifier: MIT
// supervisor: the pure state machine of one supervised service (runsv semantics,
// PROTOCOL.md 2.2-2.5): (state, event) -> (new state, actions). No I/O here; the
// supervise daemon carries out the actions in order.
#pragma once
#include <sys/types.h>

#include <cstdint>

#include "svkit/status_file.hpp"

namespace svkit {

enum class Goal : uint8_t { up, down, exit };

struct Supervised {
  RunState state = RunState::down;
  Goal want = Goal::up;
  pid_t pid = 0;          // run or finish process; 0 when none
  bool paused = false;
  bool got_term = false;
  bool once = false;      // 'o' while down: start one time although want is down
  bool is_log = false;    // log/run: no control/X scripts, 'x' ignored, no finish
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

struct Actions {
  Action list[6];
  int count = 0;
  void add(const Action& a) noexcept { if (count < 6) list[count++] = a; }
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
// The TERM of a marks_term action was really sent.
Supervised term_sent(Supervised s) noexcept;

// Should ./run be started now (subject to the one-start-per-second throttle)?
bool needs_run(const Supervised& s) noexcept;
// Should ./finish be started now (no throttle)?
bool needs_finish(const Supervised& s) noexcept;
// Main service: want exit and nothing runs.
bool ready_to_exit(const Supervised& s) noexcept;

// The status record fields as runit writes them.
Status to_status(const Supervised& s, const Tai64n& when) noexcept;

}  // namespace svkit
