// SPDX-License-Identifier: MIT
// sigecho: a test service. Prints "pid PID" at start, then the number of every signal it
// receives, one per line, flushed at once. Exits 0 after SIGTERM, 1 when stdout is gone.
// It leaves by _exit: in a sanitized build, returning from main runs LeakSanitizer, whose
// ptrace world-stop spins for ever when a SIGCONT arrives meanwhile (runsv sends TERM and
// CONT twice for `svc -dx`), and the supervisor under test then waits for ever too.
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main() {
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, nullptr);
  printf("pid %d\n", (int)getpid());
  fflush(stdout);
  for (;;) {
    int sig = 0;
    if (sigwait(&all, &sig) != 0) continue;
    printf("%d\n", sig);
    // Nobody reads any more (the write raised SIGPIPE, which is blocked here): leave,
    // rather than report that SIGPIPE and loop.
    if (fflush(stdout) != 0) _exit(1);
    if (sig == SIGTERM) _exit(0);
  }
}
