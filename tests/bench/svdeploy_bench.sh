#!/bin/bash
# svdeploy_bench.sh BIN [ROUNDS] [SETTLE] [SERVICES]: with a real svscan in a scratch root,
#  1. median milliseconds of "svdeploy activate" switching between two versions of a
#     service that becomes ready (notification-fd) 10 ms after it starts, minus the settle
#     time (target: <= 50 ms). Rounds are 1.1 s apart, outside the measurement (supervise
#     starts a service at most once a second);
#  2. median milliseconds of "svdeploy status --json" over SERVICES (default 200) activated
#     services (target: <= 20 ms).
# Example: tests/bench/svdeploy_bench.sh build/bin 10 0.5 200
set -eu
bin=$(cd "$1" && pwd) rounds=${2:-10} settle=${3:-0.5} services=${4:-200}
dir=$(mktemp -d)
export PATH="$bin:$PATH" SVDEPLOY_STORE="$dir/store" SVDEPLOY_RUNTIME="$dir/run" \
  SVDEPLOY_SCANDIR="$dir/service" SVDEPLOY_CONFIG="$dir/none.conf"
mkdir "$dir/service"
setsid svscan "$dir/service" >/dev/null 2>&1 &
scan=$!
trap 'kill -HUP $scan 2>/dev/null; wait $scan 2>/dev/null; rm -rf "$dir"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; printf "median %.2f ms  min %.2f ms  max %.2f ms  (%d runs)", m/1000, a[1]/1000, a[NR]/1000, NR}'; }

for v in a b; do
  mkdir -p "$dir/src/$v"
  printf '#!/bin/sh\nsleep 0.01\necho >&3\nexec sleep 600\n' >"$dir/src/$v/run"
  chmod +x "$dir/src/$v/run"
  echo 3 >"$dir/src/$v/notification-fd"
  svdeploy install app "$v" "$dir/src/$v" >/dev/null
done
svdeploy activate app a --settle "$settle" >/dev/null
settle_us=$(awk -v s="$settle" 'BEGIN { printf "%d", s * 1000000 }')
times=""
for i in $(seq "$rounds"); do
  sleep 1.1
  v=b; [ $((i % 2)) = 0 ] && v=a
  t0=${EPOCHREALTIME/./}
  svdeploy activate app "$v" --settle "$settle" >/dev/null
  t1=${EPOCHREALTIME/./}
  times="$times $(( t1 - t0 - settle_us ))"
done
echo "activate (ready in 10 ms), minus settle ${settle} s: $(echo $times | tr ' ' '\n' | median)"

mkdir -p "$dir/src/s"
printf '#!/bin/sh\nexec sleep 600\n' >"$dir/src/s/run"
chmod +x "$dir/src/s/run"
for i in $(seq "$services"); do
  svdeploy install "s$i" 1 "$dir/src/s" >/dev/null
  svdeploy activate "s$i" 1 --settle 0 >/dev/null
done
times=""
for i in $(seq 20); do
  t0=${EPOCHREALTIME/./}
  svdeploy status --json >/dev/null
  t1=${EPOCHREALTIME/./}
  times="$times $(( t1 - t0 ))"
done
echo "status --json, $((services + 1)) services: $(echo $times | tr ' ' '\n' | median)"
# CPU time (what a loaded machine does not distort), when perf is there.
if command -v perf >/dev/null 2>&1; then
  perf stat -x, -e task-clock -r 20 svdeploy status --json 2>&1 >/dev/null |
    awk -F, '/task-clock/ { printf "status --json CPU (task-clock, mean of 20): %.2f ms\n", $1 }'
fi
