// SPDX-License-Identifier: MIT
// service: what supervise holds for one supervised directory (the main service or log/)
// and the I/O that carries out the state machine's actions.
#pragma once
#include <sys/types.h>

#include <cstdint>

#include "svkit/supervisor.hpp"
#include "svkit/tai64n.hpp"
#include "svkit/unique_fd.hpp"

namespace supervise {

struct Service {
  svkit::Supervised sv;
  const char* label = "";     // "" for the main service, "log/" for the logger (messages)
  const char* cwd = nullptr;  // child's cwd: null (main) or "log"
  svkit::UniqueFd dir;        // the service directory (O_DIRECTORY)
  svkit::UniqueFd lock, control, control_keep, ok;
  svkit::UniqueFd pidfd;      // an adopted process (not our child): readable when it ends
  svkit::Tai64n when;         // time of the last start / down transition
  pid_t written_pid = -1;     // what supervise/pid holds, to rewrite it only on change
  int64_t last_start_ms = -1; // monotonic; restarts at most once per second
  int exit_code = 0;          // ./finish arguments: exit code or -1, low byte of wait status
  int exit_low = 0;
  bool adopted = false;       // current process was adopted from a previous supervise
  bool publish_pending = false;  // state changed; written before the loop next blocks
};

struct Context {
  Service main, log;
  bool has_log = false;
  svkit::UniqueFd pipe_read, pipe_write;  // the log pipe (own, or handed over by svscan)
  bool pipe_handed_over = false;
  bool log_closing = false;               // exit in progress: pipe closed, logger stopping
};

// files.cpp: supervise/ directory, lock, FIFOs (fatal on failure: setup only).
void make_supervise_dir(Service& s);
void lock_service(Service& s);
void open_control(Service& s);
void open_ok(Service& s);
// Writes pid (when changed), stat, status; warns on failure, never dies.
void publish(Service& s);
// Writes the status when a change is pending. The loop calls it before it blocks (and
// before a control/X script runs, or supervise exits), so the three renames of one
// publication stay off the path from a crash to the restart, and the changes of one
// wake-up (e.g. "tcu") reach the disk as one.
void flush(Service& s);

// process.cpp: starting, signalling and reaping.
int64_t now_ms() noexcept;
void start_run(Context& c, Service& s);
void start_finish(Context& c, Service& s);
void send_signal(const Service& s, int sig, svkit::Target target) noexcept;
void apply(Context& c, Service& s, const svkit::Step& step);
void reap(Context& c);
void child_gone(Context& c, Service& s, int code, int low);

// adopt.cpp: take over a process left by a killed supervise (Linux; elsewhere no-op).
void adopt(Service& s);


// log_pipe.cpp: the pipe between ./run and log/run.
void open_log_pipe(Context& c);

}  // namespace supervise
