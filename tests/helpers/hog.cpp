// SPDX-License-Identifier: MIT
// hog: a misbehaving service for the watchdog tests. Every mode ends by itself within
// 60 s (or when its parent, the run script, is gone and it is told so), so a failed test
// leaves nothing behind for long.
//   hog mem MIB        allocate and touch MIB MiB, then sleep
//   hog spin           burn one CPU
//   hog fork N         fork N sleeping children, then sleep (the tree: N+1 processes)
//   hog daemon FILE    double-fork a daemon that calls setsid() and sleeps; the daemon
//                      writes its pid to FILE (tmp + rename); the first child exits at once
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace {

constexpr int kLifeSeconds = 60;

void nap() {
  for (int i = 0; i < kLifeSeconds; ++i) ::sleep(1);
  _exit(0);
}

double now() {
  struct timespec t;
  ::clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

void write_pid(const char* file) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", file);
  FILE* f = fopen(tmp, "w");
  if (!f) return;
  fprintf(f, "%d\n", static_cast<int>(getpid()));
  fclose(f);
  rename(tmp, file);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 100;
  if (!strcmp(argv[1], "mem") && argc == 3) {
    size_t n = static_cast<size_t>(atol(argv[2])) << 20;
    volatile char* p = static_cast<volatile char*>(malloc(n));
    if (!p) return 111;
    for (size_t i = 0; i < n; i += 4096) p[i] = 1;
    nap();
  }
  if (!strcmp(argv[1], "spin")) {
    double end = now() + kLifeSeconds;
    volatile unsigned long x = 0;
    while (now() < end)
      for (int i = 0; i < 100000; ++i) ++x;
    return 0;
  }
  if (!strcmp(argv[1], "fork") && argc == 3) {
    int n = atoi(argv[2]);
    for (int i = 0; i < n; ++i)
      if (fork() == 0) nap();
    nap();
  }
  if (!strcmp(argv[1], "daemon") && argc == 3) {
    pid_t a = fork();
    if (a == 0) {
      if (fork() == 0) {
        setsid();
        write_pid(argv[2]);
        nap();
      }
      _exit(0);
    }
    waitpid(a, nullptr, 0);
    return 0;
  }
  return 100;
}
