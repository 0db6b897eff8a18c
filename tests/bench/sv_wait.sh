#!/bin/bash
# sv_wait.sh SV SUPERVISOR [ROUNDS] [PAUSE]: median milliseconds of one
# "SV -w 10 down X; SV -w 10 up X" round against SUPERVISOR (runsv or svkit's supervise).
# PAUSE (seconds, default 0) is slept between rounds, outside the measurement: runsv
# throttles a restart for 1 s when the run lasted less than 1 s.
# Example: tests/bench/sv_wait.sh build/bin/sv build/bin/supervise 50
set -eu
sv=$1 sup=$2 rounds=${3:-50} pause=${4:-0}
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null; sleep 0.2; pkill -KILL -P $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
mkdir "$dir/x"
printf '#!/bin/sh\nexec sleep 60\n' >"$dir/x/run"
chmod +x "$dir/x/run"
"$sup" "$dir/x" >/dev/null 2>&1 &
pid=$!
# supervise needs a moment to create supervise/: retry the first up (bounded)
n=0
until "$sv" -w 10 up "$dir/x" >/dev/null 2>&1; do
  n=$((n + 1)); [ $n -lt 250 ] || { echo "sv_wait.sh: fatal: $sup did not start" >&2; exit 1; }
  sleep 0.02
done
times=""
i=0
while [ $i -lt "$rounds" ]; do
  [ "$pause" = 0 ] || sleep "$pause"
  t0=${EPOCHREALTIME/./}  # microseconds, without forking date
  "$sv" -w 10 down "$dir/x" >/dev/null
  "$sv" -w 10 up "$dir/x" >/dev/null
  t1=${EPOCHREALTIME/./}
  times="$times $(( t1 - t0 ))"
  i=$((i + 1))
done
echo $times | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; printf "median %.2f ms  min %.2f ms  max %.2f ms  (%d rounds)\n", m/1000, a[1]/1000, a[NR]/1000, NR}'
