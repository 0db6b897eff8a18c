#!/bin/sh
# SPDX-License-Identifier: MIT
# soak: N services under one svscan for M minutes (not a CI test). A third crash every
# second, a third log numbered lines at ~1 MB/s each through svlogd (rotating at 1 MB,
# 5 files kept), the rest idle. Every 10 s it samples RSS (kB) and fd counts of svscan,
# all supervise and all svlogd; at the end it reports their slope from minute 2 to the
# end (per minute), lost log lines, duplicates and CPU per restart.
#   usage: tests/bench/soak.sh [--short] [--minutes M] [--n N] [--bin DIR]
#   default: N=500, 30 minutes; --short: 10 minutes. Run it alone on the machine
set -eu
n=500 minutes=30 bin=$(cd "$(dirname "$0")/../.." && pwd)/build/bin
while [ $# -gt 0 ]; do
  case $1 in
    --short) minutes=10 ;;
    --minutes) minutes=$2; shift ;;
    --n) n=$2; shift ;;
    --bin) bin=$2; shift ;;
    *) echo "soak: fatal: unknown option $1" >&2; exit 100 ;;
  esac
  shift
done
work=$(mktemp -d /tmp/soak.XXXXXX)
scan=$work/service
mkdir -p "$scan"
samples=$work/samples
cleanup() {
  if [ -n "${svscan_pid:-}" ]; then
    kill -HUP "$svscan_pid" 2>/dev/null || true
    sleep 2
    kill -KILL "$svscan_pid" 2>/dev/null || true
  fi
  for d in "$scan"/*; do
    # sv's non-blocking write: only a supervise still running gets the x.
    if [ -p "$d/supervise/control" ]; then "$bin/sv" x "$d" >/dev/null 2>&1 || true; fi
  done
}
trap cleanup EXIT INT TERM
# ~1 MB/s of numbered 100-byte lines; perl pauses in-process (an awk that ran `sleep`
# every 100 lines spawned 100 processes a second per logger and swamped the machine).
pad=$(printf '%090d' 0)
i=0
while [ $i -lt "$n" ]; do
  d=$scan/s$i
  mkdir -p "$d"
  case $((i % 3)) in
    0) printf '#!/bin/sh\necho start >> ../../starts-s%d\nsleep 1\nexit 1\n' $i > "$d/run" ;;
    1) mkdir -p "$d/log/main"
       printf 's1000000\nn5\n' > "$d/log/main/config"
       cat > "$d/run" <<EOF
#!/bin/sh
echo start >> ../../starts-s$i
exec perl -e 'for (my \$k = 0; ; \$k++) { printf "%d %s\\n", \$k, "$pad"; select(undef, undef, undef, 0.01) if \$k % 100 == 99 }'
EOF
       printf '#!/bin/sh\nexec %s/svlogd main\n' "$bin" > "$d/log/run"
       chmod +x "$d/log/run" ;;
    2) printf '#!/bin/sh\necho start >> ../../starts-s%d\nexec sleep 100000\n' $i > "$d/run" ;;
  esac
  chmod +x "$d/run"
  i=$((i + 1))
done
t0=$(date +%s)
"$bin/svscan" "$scan" >/dev/null 2>&1 &
svscan_pid=$!
# Only this soak's processes: svscan, its supervise children, their svlogd children.
pids_of() {
  case $1 in
    svscan) echo "$svscan_pid" ;;
    supervise) pgrep -x -P "$svscan_pid" supervise || true ;;
    svlogd) for s in $(pgrep -x -P "$svscan_pid" supervise); do pgrep -x -P "$s" svlogd; done || true ;;
  esac
}
cpu_of() { awk '{ s += $14 + $15 } END { print s + 0 }' "$@" 2>/dev/null || echo 0; }
sample() {  # seconds name rss_kb fds, per process kind
  now=$(($(date +%s) - t0))
  for kind in svscan supervise svlogd; do
    rss=0 fds=0
    for p in $(pids_of "$kind"); do
      r=$(awk '/^VmRSS/ { print $2 }' /proc/$p/status 2>/dev/null || echo 0)
      f=$(ls /proc/$p/fd 2>/dev/null | wc -l)
      rss=$((rss + ${r:-0})) fds=$((fds + f))
    done
    echo "$now $kind $rss $fds" >> "$samples"
  done
}
end=$((t0 + minutes * 60))
while [ "$(date +%s)" -lt "$end" ]; do
  sample
  sleep 10
done
sample
# CPU of the supervisors (clock ticks), before stopping them.
ticks=$(cpu_of $(for p in $(pids_of supervise) $svscan_pid; do echo /proc/$p/stat; done))
hz=$(getconf CLK_TCK)
cleanup
svscan_pid=
echo "soak: n=$n minutes=$minutes work=$work"
# Slopes from minute 2 (from half-time in runs shorter than 4 minutes, e.g. a check run).
from=120
[ $((minutes * 30)) -lt 120 ] && from=$((minutes * 30))
for kind in svscan supervise svlogd; do
  awk -v k=$kind -v from=$from 'BEGIN { n = 0 } $2 == k && $1 >= from { x[n] = $1 / 60; r[n] = $3; f[n] = $4; n++ }
    function slope(y,   i, sx, sy, sxx, sxy) { for (i = 0; i < n; i++) { sx += x[i]; sy += y[i]; sxx += x[i] * x[i]; sxy += x[i] * y[i] }
      return (n * sxx - sx * sx) ? (n * sxy - sx * sy) / (n * sxx - sx * sx) : 0 }
    END { if (n < 2) { print k ": too few samples after " from " s"; exit }
      printf "%s: RSS %d..%d kB total, slope %.1f kB/min; fds %d..%d, slope %.2f /min\n", k, r[0], r[n-1], slope(r), f[0], f[n-1], slope(f) }' "$samples"
done
restarts=0 dup=0 lost=0
i=0
while [ $i -lt "$n" ]; do
  s=$(wc -l < "$work/starts-s$i" 2>/dev/null || echo 0)
  case $((i % 3)) in
    0) restarts=$((restarts + s - 1)) ;;
    *) if [ "$s" -gt 1 ]; then dup=$((dup + s - 1)); fi ;;
  esac
  if [ $((i % 3)) = 1 ]; then
    # Lines are numbered from 0 per start: the files kept (oldest rotated away) must
    # hold a gap-free run ending at the last number written.
    l=$(cat "$scan/s$i/log/main"/@* "$scan/s$i/log/main/current" 2>/dev/null |
        awk 'NR == 1 { prev = $1; next } $1 != prev + 1 { gaps += $1 - prev - 1 } { prev = $1 } END { print gaps + 0 }')
    lost=$((lost + l))
  fi
  i=$((i + 1))
done
echo "restarts: $restarts (crashing services); extra starts of non-crashing services (duplicates/restarts): $dup"
echo "lost log lines (gaps in kept files): $lost"
[ "$restarts" -le 0 ] || awk -v t="$ticks" -v hz="$hz" -v r="$restarts" 'BEGIN { printf "CPU per restart (supervise+svscan): %.3f ms\n", t / hz * 1000 / r }'
rm -rf "$work"
