#!/bin/bash
# tests/bench/timing.sh [BUILD_DIR] [ROUNDS]: the wall-clock targets that the CI tests do not
# assert (a test under load must not fail on a stopwatch; the tests check that the event
# arrives, these figures say how fast). Run it on a quiet machine, after a build:
#   tests/bench/timing.sh build 20     (about 20 s)
# Figures and targets:
#   - status_watch_bench (tests/bench/status_watch_bench.cpp, built with the tests):
#     wake-ups of sv's status watch in its first 20 ms (10..100: re-reads within ~0.5 ms,
#     no busy loop), no inotify instance for a 20 ms wait, the time until it is
#     event-driven (< 500 ms), the wake-up after supervise replaces status (median
#     < 50 ms), a past deadline returns at once (< 50 ms).
#   - sv_wait.sh: median of "sv -w 10 down X; sv -w 10 up X" against svkit's supervise,
#     < 400 ms (runit's sv needs 420 ms or more whenever its first look fails; the
#     issue-8 goal of 5 ms is tracked by suitebench, see suitebench's README).
# Exit status: 0 when every target is met, 1 otherwise, 2 on a setup error.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
rounds=${2:-20}
sv_rounds=$(( rounds < 10 ? rounds : 10 ))
bin=$build/bin
for f in "$bin/status_watch_bench" "$bin/sv" "$bin/supervise"; do
  [ -x "$f" ] || { echo "timing.sh: fatal: missing $f (build first)" >&2; exit 2; }
done
rc=0
"$bin/status_watch_bench" "$rounds" || rc=1
# 1.1 s between rounds, outside the measurement: supervise, like runsv, throttles a restart
# for 1 s when the run lasted less than 1 s.
line=$("$top/tests/bench/sv_wait.sh" "$bin/sv" "$bin/supervise" "$sv_rounds" 1.1) || exit 2
median=$(echo "$line" | awk '{print $2}')
if awk -v m="$median" 'BEGIN {exit !(m < 400)}'; then verdict=ok; else verdict=MISSED; rc=1; fi
printf '%-48s %9s %-6s target %-14s %s\n' "sv -w 10 down+up round (median)" "$median" ms "< 400 ms" "$verdict"
exit $rc
