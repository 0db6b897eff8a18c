// SPDX-License-Identifier: MIT
// spawn: fork + exec with a clean child and exec errors reported through a pipe.
#include "svkit/spawn.hpp"
#include "svkit/platform.hpp"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "svkit/diag.hpp"
#include "svkit/unique_fd.hpp"

extern char** environ;

namespace svkit {
namespace {

// Runs in the forked (or vforked) child: async-signal-safe calls only, and it never
// returns. The exec error goes to *SHARED (vfork: the parent's memory), else to the pipe
// REPORT, else (spawn_nowait) becomes the exit code, 127 or 126.
[[noreturn]] void exec_child(const SpawnSpec& spec, int report,
                             volatile int* shared = nullptr) noexcept {
  int e = 0;
  for (int s = 1; s < NSIG; ++s) ::signal(s, SIG_DFL);  // SIG_IGN would survive execve
  sigset_t none;
  sigemptyset(&none);
  if (::sigprocmask(SIG_SETMASK, &none, nullptr) != 0) e = errno;
  if (!e && spec.new_session && ::setsid() < 0) e = errno;
  // Lift every source above the targets first, so one move cannot clobber another.
  // (Just above the highest target: a fixed floor such as 64 fails with EINVAL under an
  // RLIMIT_NOFILE at or below it, and then nothing could ever be started.)
  int lifted[16];
  int n = spec.n_moves < 16 ? spec.n_moves : 16;
  int above = 0;
  for (int i = 0; i < n; ++i)
    if (spec.moves[i].to >= above) above = spec.moves[i].to + 1;
  for (int i = 0; !e && i < n; ++i) {
    lifted[i] = spec.moves[i].from < 0 ? -1 : ::fcntl(spec.moves[i].from, F_DUPFD_CLOEXEC, above);
    if (spec.moves[i].from >= 0 && lifted[i] < 0) e = errno;
  }
  for (int i = 0; !e && i < n; ++i) {
    if (lifted[i] < 0) ::close(spec.moves[i].to);
    else if (::dup2(lifted[i], spec.moves[i].to) < 0) e = errno;  // dup2 clears close-on-exec
  }
  if (!e && spec.cwd && ::chdir(spec.cwd) != 0) e = errno;
  if (!e) {
    ::execve(spec.path, spec.argv, spec.envp ? spec.envp : environ);
    e = errno;
  }
  if (shared) {
    *shared = e;
    _exit(kExitNotFound);
  }
  if (report < 0) _exit(e == ENOENT ? kExitNotFound : kExitExecFailed);
  (void)!::write(report, &e, sizeof e);
  _exit(kExitNotFound);
}

}  // namespace

pid_t spawn_nowait(const SpawnSpec& spec) noexcept {
  pid_t pid = ::fork();
  if (pid == 0) exec_child(spec, -1);
  return pid;
}

pid_t spawn(const SpawnSpec& spec) noexcept {
#if SVKIT_LINUX
  // vfork: the parent sleeps until the child has exec'd (or failed), which is exactly the
  // wait the pipe below provides, without copying page tables, without the copy-on-write
  // faults that follow a fork in both processes, and without the pipe's three system
  // calls. This is the path by which supervise starts every ./run and log/run.
  volatile int child_errno = 0;
  pid_t pid = ::vfork();
  if (pid == 0) exec_child(spec, -1, &child_errno);
  if (pid < 0) return -1;
  if (child_errno == 0) return pid;
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  errno = child_errno;
  return -1;
#else
  Pipe p;
  if (!make_pipe(p)) return -1;
  pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) exec_child(spec, p.write.get());
  p.write.reset();  // end-of-file on the read side now means "exec succeeded"
  int child_errno = 0;
  ssize_t r;
  do r = ::read(p.read.get(), &child_errno, sizeof child_errno); while (r < 0 && errno == EINTR);
  if (r == 0) return pid;
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  errno = r == sizeof child_errno ? child_errno : EPROTO;
  return -1;
#endif
}

bool capture(const SpawnSpec& spec, int timeout_ms, size_t max, Captured& out) {
  out = Captured{};
  Pipe p;
  if (spec.n_moves > 15 || !make_pipe(p)) return false;
  FdMove moves[16];
  for (int i = 0; i < spec.n_moves; ++i) moves[i] = spec.moves[i];
  moves[spec.n_moves] = {p.write.get(), 1};
  SpawnSpec with_pipe = spec;
  with_pipe.moves = moves;
  with_pipe.n_moves = spec.n_moves + 1;
  out.pid = spawn(with_pipe);
  p.write.reset();  // the child holds the only write end: its exit is end-of-file
  if (out.pid < 0) return false;
  struct timespec start;
  ::clock_gettime(CLOCK_MONOTONIC, &start);
  bool ok = true;
  for (;;) {
    struct timespec now;
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    long waited = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
    if (waited >= timeout_ms || out.out.size() > max) {
      ok = false;
      break;
    }
    struct pollfd pfd = {p.read.get(), POLLIN, 0};
    int r = ::poll(&pfd, 1, static_cast<int>(timeout_ms - waited));
    if (r <= 0) continue;  // EINTR, or the deadline (checked above)
    char buf[8192];
    ssize_t n = ::read(p.read.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.out.append(buf, static_cast<size_t>(n));
  }
  // End-of-file: it exits in a moment; one that lingers is held to the same deadline.
  while (ok) {
    pid_t r = ::waitpid(out.pid, &out.status, WNOHANG);
    if (r == out.pid || (r < 0 && errno != EINTR)) return true;
    struct timespec now;
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 >= timeout_ms)
      ok = false;
    struct timespec nap = {0, 1000000};
    if (ok) ::nanosleep(&nap, nullptr);
  }
  ::kill(out.pid, SIGKILL);
  while (::waitpid(out.pid, &out.status, 0) < 0 && errno == EINTR) {
  }
  return false;
}

}  // namespace svkit
