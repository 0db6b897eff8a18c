#!/bin/sh
# SPDX-License-Identifier: MIT
# Cost of the watchdog (issue 10): N watched services (memory-limit and cpu-limit set,
# never exceeded; watchdog-interval 1000 ms), each under its own supervise; the CPU time
# (user+system, from /proc/PID/stat) all the supervise processes use over SECONDS, as a
# percentage of one core (target <= 0.5 % for 200 services at 1 s). Then the same number
# of unwatched services: their supervise processes must not wake up at all (voluntary
# context switches over SECONDS: 0), as suitebench's idle measure.
# usage: watchdog_cost.sh [BIN_DIR] [N] [SECONDS]   (alone on the machine: no other benchmark beside it)
set -eu
BIN=$(cd "${1:-build/bin}" && pwd)
N=${2:-200}
SECS=${3:-20}
T=$(mktemp -d)
pids=""
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT INT TERM
TCK=$(getconf CLK_TCK)

# cpu_ticks PID...: CPU time summed, in 1/TCK s: /proc/PID/schedstat's run time (ns,
# precise) when the kernel has it, else utime+stime of /proc/PID/stat (clock ticks)
if [ -r /proc/self/schedstat ]; then
  TCK=1000000000
  cpu_ticks() {
    for p in "$@"; do cut -d' ' -f1 "/proc/$p/schedstat"; done | awk '{s += $1} END {printf "%.0f\n", s}'
  }
else
  cpu_ticks() {
    for p in "$@"; do sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}'; done |
      awk '{s += $1} END {print s + 0}'
  }
fi
csw() {
  for p in "$@"; do sed -n 's/^voluntary_ctxt_switches:\t*//p' "/proc/$p/status"; done |
    awk '{s += $1} END {print s + 0}'
}

start() {  # KIND WATCHED
  kind=$1
  i=0
  while [ $i -lt "$N" ]; do
    d="$T/$kind$i"
    mkdir -p "$d"
    printf '#!/bin/sh\nexec sleep %s\n' $((SECS * 3 + 60)) > "$d/run"
    chmod +x "$d/run"
    if [ "$2" = yes ]; then
      echo 1G > "$d/memory-limit"
      echo "90 10" > "$d/cpu-limit"
      echo 1000 > "$d/watchdog-interval"
    fi
    "$BIN/supervise" "$d" & p=$!
    pids="$pids $p"
    eval "${kind}_pids=\"\${${kind}_pids:-} $p\""
    i=$((i + 1))
  done
  # all up (svkit-status says so)
  k=0
  while :; do
    up=$(cat "$T/$kind"*/supervise/svkit-status 2>/dev/null | grep -c '^phase up$' || true)
    [ "$up" -ge "$N" ] && break
    k=$((k + 1)); [ $k -lt 3000 ] || { echo "services did not come up ($up/$N)" >&2; exit 1; }
    sleep 0.02
  done
  sleep 1
}

start w yes
a=$(cpu_ticks $w_pids); t0=$(date +%s.%N)
sleep "$SECS"
b=$(cpu_ticks $w_pids); t1=$(date +%s.%N)
awk -v a="$a" -v b="$b" -v t0="$t0" -v t1="$t1" -v tck="$TCK" -v n="$N" 'BEGIN {
  s = (b - a) / tck; w = t1 - t0;
  printf "watched: %d services, 1 s interval: supervise CPU %.2f s in %.1f s = %.3f %% of one core (%.1f us per sample)\n",
         n, s, w, 100 * s / w, 1e6 * s / (n * w) }'

start u no
a=$(csw $u_pids)
sleep "$SECS"
b=$(csw $u_pids)
echo "unwatched: $N services: $((b - a)) voluntary context switches in total over $SECS s"
