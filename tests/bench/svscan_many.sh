#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/bench/svscan_many.sh: start a scanner on N fresh services and measure the time until
# every ./run has started; then check that they all stay up for HOLD seconds (no restart),
# stop the tree the scanner's documented way (SIGHUP) and clean up. A manual check, not ctest.
#
#   tests/bench/svscan_many.sh [-n N] [-s svkit|runit] [-b BIN_DIR] [-H HOLD] [-l]
#     -n N     services (default 1000)          -s  scanner suite (default svkit)
#     -b DIR   svkit's bin folder (default build/bin next to this tree)
#     -H SECS  how long all must stay up (default 10)   -l  give every service a log/run
#
# Prints one line: suite, N, seconds until all were up, and whether they stayed up.
# Everything is bounded: the scanner gets at most 300 s to start them all.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
n=1000 suite=svkit bin="$top/build/bin" hold=10 logged=""
while getopts n:s:b:H:l opt; do
  case $opt in
    n) n=$OPTARG ;; s) suite=$OPTARG ;; b) bin=$(cd "$OPTARG" && pwd) ;;
    H) hold=$OPTARG ;; l) logged=1 ;; *) echo "usage: $0 [-n N] [-s svkit|runit] [-b BIN_DIR] [-H HOLD] [-l]" >&2; exit 100 ;;
  esac
done
case $suite in
  svkit) scanner="$bin/svscan"; PATH="$bin:$PATH" ;;
  runit) scanner=$(command -v runsvdir || echo /usr/bin/runsvdir) ;;
  *) echo "$0: unknown suite $suite" >&2; exit 100 ;;
esac
export PATH
[ -x "$scanner" ] || { echo "$0: $scanner not found" >&2; exit 111; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/svscan-many.XXXXXX")
mkdir "$scratch/scan" "$scratch/up"
pid=""
cleanup() {
  [ -n "$pid" ] && { kill -HUP "$pid" 2>/dev/null || :; }
  # Bounded wait for the tree to stop, then kill whatever still runs below the scratch dir.
  i=0
  while [ $i -lt 300 ]; do
    left=$(for p in /proc/[0-9]*; do
             case $(readlink "$p/cwd" 2>/dev/null) in "$scratch"/*) echo "${p#/proc/}" ;; esac
           done)
    [ -z "$left" ] && break
    [ $i -ge 200 ] && { kill -KILL $left 2>/dev/null || :; }
    sleep 0.1; i=$((i + 1))
  done
  [ -n "$pid" ] && { wait "$pid" 2>/dev/null || :; }
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

i=0
while [ $i -lt "$n" ]; do
  d="$scratch/scan/s$i"
  mkdir "$d"
  printf '#!/bin/sh\necho >> %s/up/s%d\nexec sleep 100000\n' "$scratch" $i > "$d/run"
  chmod +x "$d/run"
  if [ -n "$logged" ]; then
    mkdir "$d/log"
    printf '#!/bin/sh\nexec cat > /dev/null\n' > "$d/log/run"
    chmod +x "$d/log/run"
  fi
  i=$((i + 1))
done
# runsvdir ignores changes within the second DIR was last modified: leave that second.
sleep 1.1

count() { ls "$scratch/up" | wc -l; }
start=$(date +%s.%N)
setsid "$scanner" "$scratch/scan" 2>"$scratch/scanner.err" &
pid=$!
deadline=$(( $(date +%s) + 300 ))
while [ "$(count)" -lt "$n" ]; do
  [ "$(date +%s)" -ge "$deadline" ] && { echo "$suite n=$n: only $(count) up after 300 s" >&2; exit 1; }
  sleep 0.02
done
up=$(date +%s.%N)
secs=$(echo "$up - $start" | bc)
sleep "$hold"
restarted=$(cat "$scratch"/up/* | wc -l)
alive=$(kill -0 "$pid" 2>/dev/null && echo yes || echo no)
stayed=$([ "$restarted" -eq "$n" ] && [ "$alive" = yes ] && echo yes || echo no)
# The scanner's own CPU time (utime + stime, clock ticks) since its start.
ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo "?")
echo "$suite n=$n${logged:+ logged}: all up in ${secs}s; stayed up ${hold}s: $stayed (run starts $restarted, scanner alive $alive, scanner CPU $ticks ticks of 1/$(getconf CLK_TCK) s)"
