// SPDX-License-Identifier: MIT
// service: what supervise holds for one supervised directory (the main service or log/)
// and the I/O that carries out the state machine's actions.
#pragma once
#include <sys/types.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

#include "svkit/proc_tree.hpp"
#include "svkit/policy.hpp"
#include "svkit/spawn.hpp"
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
  svkit::UniqueFd start_file; // supervise/svkit-start, rewritten in place (adopt.cpp)
  int64_t alive_check_at = -1; // POSIX-only build (no pidfd): next look at an adopted process
  svkit::Tai64n when;         // time of the last start / down transition
  pid_t written_pid = -1;     // what supervise/pid holds, to rewrite it only on change
  unsigned char written_status[svkit::kStatusSize] = {};  // what status holds (and stat)
  bool status_written = false;
  int64_t last_start_ms = -1; // monotonic; restarts at most once per second
  int exit_code = 0;          // ./finish arguments: exit code or -1, low byte of wait status
  int exit_low = 0;
  bool adopted = false;       // current process was adopted from a previous supervise
  bool publish_pending = false;  // state changed; written before the loop next blocks

  // svkit's policy files (policy.cpp, man/supervise.8). A service without them keeps all
  // of this at its defaults: no deadline, no fd to poll, nothing allocated.
  svkit::Policy policy;          // as read before the last start of ./run
  uint16_t warned = 0;           // malformed files already warned about
  bool has_exit = false;         // last_exit is known
  char alert_pending = 0;        // event for the next ./alert run (coalesced): c f u
  svkit::UniqueFd notify;        // read end of the notification-fd pipe until ready
  pid_t check_pid = 0, alert_pid = 0;
  pid_t alert_sids[4] = {};      // sessions of the last ./alert runs (setsid: sid = pid): what
  uint8_t alert_sid_next = 0;    //   they leave behind is theirs, not the service's (tree.cpp)
  uint32_t check_every = 0;      // ./check interval, 10 ms doubling to 1 s
  uint32_t starts = 0;           // starts of ./run since supervise began
  uint32_t backoff_ms = 0;       // restart-backoff: the wait after the next exit
  int64_t ready_at = -1;         // deadlines (monotonic ms), -1 none: timeout-ready,
  int64_t kill_at = -1;          //   timeout-kill, timeout-finish, next ./check,
  int64_t finish_kill_at = -1;   //   end of the restart wait, ./alert's 10 s
  int64_t check_at = -1;
  int64_t restart_at = -1;
  int64_t alert_kill_at = -1;
  int64_t up_since_ms = -1;      // up (and ready) since: a long run resets the back-off
  int64_t ready_real_ms = -1;    // CLOCK_REALTIME of ready / of restart_at (svkit-status)
  int64_t restart_real_ms = -1;
  uint64_t ext_hash = 0;         // of the svkit-status text last written
  uint64_t pid_start = 0;        // kernel start time of sv.pid (adoption's proof of identity)
  svkit::ExitTally tally;        // restart-limit
  int alert_code = 0, alert_sig = 0;  // arguments of the pending ./alert
  char reason[80] = "";          // failed / waiting / unready text
  struct Deps* deps = nullptr;   // dependencies.d (deps.cpp; heap, only when used)
  // The process tree and the watchdog (tree.cpp, policy.cpp). Untouched (no page) for a
  // plain service until a stop, and then only leftover_at.
  int64_t leftover_at = -1;      // processes left by an ended run: next look / SIGKILL
  bool leftover_killed = false;  //   (no start before they are gone)
  bool tripped = false;          // the run now stopping was stopped by the watchdog
  bool unready = false;          //   ... or for timeout-ready (alerted as unready, not crash)
  uint8_t mem_strikes = 0, cpu_strikes = 0;  // consecutive samples over the limit
  int64_t watch_at = -1;         // next watchdog sample (monotonic ms), -1: none
  svkit::TreeSampler sampler;    // the tree's /proc files kept open between samples
  struct CpuMark {
    int64_t ms;
    double cpu;
  };
  static constexpr int kCpuMarks = 16;
  CpuMark cpu_marks[kCpuMarks];  // the tree's CPU seconds over time (cpu-limit's window)
  uint8_t cpu_n = 0, cpu_head = 0;
  int64_t trip_real_ms = -1;     // the last watchdog trip (CLOCK_REALTIME), its reason
  char trip_reason[80] = "";
};

struct Context {
  Service main, log;
  bool has_log = false;
  svkit::UniqueFd pipe_read, pipe_write;  // the log pipe (own, or handed over by svscan)
  bool pipe_handed_over = false;
  bool log_closing = false;               // exit in progress: pipe closed, logger stopping
  const char* name = "";                  // the service's name (alert's SERVICE argument)
  const char* scan_dir = nullptr;         // SVKIT_SCANDIR, or null: ".."
  pid_t self = ::getpid();                // supervise's own pid (root of the tree)
};

// files.cpp: supervise/ directory, lock, FIFOs (fatal on failure: setup only).
void make_supervise_dir(Service& s);
void lock_service(Service& s);
void open_control(Service& s);
void open_ok(Service& s);
// Writes pid (when changed), stat, status; warns on failure, never dies.
bool publish(Service& s);  // false: a write failed
// Writes pid before status (runit's order), then stat and supervise/svkit-status.
// Writes the status when a change is pending, and svkit-status when its text changed. The loop calls it before it blocks (and
// before a control/X script runs, or supervise exits), so the three renames of one
// publication stay off the path from a crash to the restart, and the changes of one
// wake-up (e.g. "tcu") reach the disk as one.
void flush(Service& s);
// supervise/svkit-status, when its text changed since the last write.
void write_ext_status(Service& s);

// process.cpp: starting, signalling and reaping.
int64_t now_ms() noexcept;
// Starts ARGV in the service's directory with its stdio (the log pipe); EXTRA: one more fd.
pid_t spawn_in(const Context& c, const Service& s, char* const* argv,
               svkit::FdMove extra = {-1, -1}) noexcept;
void start_run(Context& c, Service& s);
void start_finish(Context& c, Service& s);
void send_signal(const Service& s, int sig, svkit::Target target) noexcept;
void apply(Context& c, Service& s, const svkit::Step& step);
void reap(Context& c);
void child_gone(Context& c, Service& s, int code, int low);

// policy.cpp: svkit's service files. All are no-ops for a service without them.
// May ./run start now? (throttle or back-off, failed, dependencies; reads the files)
bool may_start(Context& c, Service& s, int64_t now);
// ./run was started: readiness, its deadline. NOTIFY_READ: the pipe's read end or -1.
void run_started(Context& c, Service& s, int notify_read, int64_t now);
// ./run (not ./finish) ended with CODE/LOW (wait status low byte): alert, limit, back-off.
void run_ended(Context& c, Service& s, int code, int low);
void finish_started(Service& s, int64_t now);
void stop_signal_sent(Service& s, int64_t now);
// After a control byte was applied: u and o forget the exit tally.
void control_byte(Service& s, char byte);
// Carries out the deadlines that have passed.
void due(Context& c, Service& s, int64_t now);
// The earliest deadline (monotonic ms; 0 = now), or -1: none.
int64_t next_deadline(const Service& s);
// A notification arrived on s.notify.
void read_notify(Context& c, Service& s);
// PID was a ./check or ./alert of S: handled.
bool policy_reaped(Context& c, Service& s, pid_t pid, int wstatus);
// supervise is leaving: no ./check or ./alert outlives it.
void policy_leave(Service& s);
void fill_ext_status(const Service& s, svkit::ExtStatus& e);
// The service's process ended: processes of its tree that remain get the down signal
// (unless TOLD: they had it) and KILL after timeout-kill; no start until they are gone.
void leftovers(Context& c, Service& s, bool told);
// deps.cpp: dependencies satisfied? Sets waiting/failed and the inotify watches.
bool dependencies_met(Context& c, Service& s);
int deps_fd(const Service& s);     // inotify fd to poll, or -1
int64_t deps_deadline(const Service& s, int64_t now);  // without inotify: next look, or -1
void deps_event(Service& s);       // drains it (the loop then tries to start again)
void deps_idle(Service& s);        // nothing waits any more: stop watching
const char* deps_waiting_for(const Service& s);
const char* deps_reason(const Service& s);  // waiting/cycle text, or null

// adopt.cpp: take over a process left by a killed supervise (pidfd on Linux; a 1-s
// look at the process in a POSIX-only build).
void adopt(Service& s);
// adopt.cpp: what the loop must wake for without Linux's fds (an adopted process to look
// at, dependencies to re-check): the earliest such deadline (monotonic ms), or -1.
int64_t poll_deadline(const Service& s, int64_t now);
// Carries out those looks (an adopted process that ended: child_gone).
void poll_due(Context& c, Service& s, int64_t now);
// adopt.cpp: supervise/svkit-start, the identity (pid, kernel start time, boot) of the
// ./run just started, which the next supervise's adopt() checks.
uint64_t record_start(Service& s, pid_t pid) noexcept;  // the start time


// tree.cpp: the service's process tree (subreaper on Linux).
// Makes supervise the child subreaper (Linux) and remembers C; false when refused.
bool tree_init(const Context& c) noexcept;
// The service's processes (its run or finish process included), excluding the logger's
// side for the main service and supervise's ./check and ./alert.
std::vector<pid_t> service_tree(const Service& s);
// Appends to OUT the processes below supervise that an ended ./alert left in the
// background (its session's); nothing, and no walk, when no ./alert ever ran.
void alert_leftovers(const Context& c, std::vector<pid_t>& out);
// PID exists and is not a zombie (a zombie below supervise is reaped next).
bool living(pid_t pid) noexcept;
// SIG to every process of the tree that is not in process group GROUP (already told).
void signal_tree(const Service& s, int sig, pid_t group) noexcept;

// log_pipe.cpp: the pipe between ./run and log/run; the environment.
void open_log_pipe(Context& c);
void drop_env(const char* name) noexcept;
// NAME's value (null when unset or empty), removed from the environment.
const char* take_env(const char* name) noexcept;
// The last component of DIR (static storage).
const char* service_name(const char* dir) noexcept;

}  // namespace supervise
