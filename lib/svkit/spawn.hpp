// SPDX-License-Identifier: MIT
// spawn: start a child with a clean process state (empty signal mask, default signal
// dispositions, optionally its own session), chosen fds moved into place, all others
// closed by close-on-exec; exec errors come back through a close-on-exec pipe.
#pragma once
#include <stddef.h>
#include <sys/types.h>

#include <string>

namespace svkit {

struct FdMove {
  int from;  // an fd of the parent (close-on-exec or not); -1: TO is closed in the child
  int to;    // where the child gets it (not close-on-exec there)
};

struct SpawnSpec {
  const char* path = nullptr;          // executed as given (no PATH search)
  char* const* argv = nullptr;         // null-terminated
  char* const* envp = nullptr;         // null: the parent's environment
  const char* cwd = nullptr;           // null: the parent's
  const FdMove* moves = nullptr;       // e.g. {{pipe_w, 1}}; applied all at once
  int n_moves = 0;
  bool new_session = true;             // setsid(): the child leads its own group
};

// Returns the child's pid, or -1 with errno = why it could not be started (fork failed,
// or the exec failed: that child has already been reaped).
pid_t spawn(const SpawnSpec& spec) noexcept;

// Like spawn(), but returns as soon as the child exists, without waiting for its exec (a
// scanner starting thousands of children keeps both CPUs busy). An exec failure is not
// reported here: the child exits 127 when the program does not exist (ENOENT), 126 for
// any other failure. Returns -1 with errno only when fork failed.
pid_t spawn_nowait(const SpawnSpec& spec) noexcept;

// What capture() got from a short helper (ps): its output, its wait status, its pid.
struct Captured {
  std::string out;  // what it wrote on its standard output
  int status = 0;   // its wait status (valid when it ran to the end)
  pid_t pid = -1;   // its pid (ps lists itself: a caller leaves that row out)
};

// Runs SPEC (its MOVES, at most 15, plus its standard output into a pipe) and reads what
// it writes until it closes the pipe, then reaps it. Bounded: past TIMEOUT_MS or MAX bytes
// the child is killed (KILL) and reaped, and the answer is false, as when it could not be
// started. The caller blocks meanwhile: for helpers that answer in milliseconds.
bool capture(const SpawnSpec& spec, int timeout_ms, size_t max, Captured& out);

}  // namespace svkit
