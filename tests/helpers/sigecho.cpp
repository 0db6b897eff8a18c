// SPDX-License-Identifier: MIT
// sigecho: a test service. Prints "pid PID" at start, then the number of every signal it
// receives, one per line, flushed at once. Exits 0 after SIGTERM, 1 when stdout is gone.
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
    if (fflush(stdout) != 0) return 1;
    if (sig == SIGTERM) return 0;
  }
}
