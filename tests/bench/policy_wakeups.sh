#!/bin/sh
# SPDX-License-Identifier: MIT
# Wake-ups of an idle supervise (issue 9: a service in back-off or waiting costs zero
# wake-ups until its deadline or event): voluntary context switches of each supervise
# over SECONDS, for a plain running service, one in a 60 s back-off wait, and one waiting
# for a dependency that does not exist.
# usage: policy_wakeups.sh [BIN_DIR] [SECONDS]   (alone on the machine: no other benchmark beside it)
set -eu
BIN=$(cd "${1:-build/bin}" && pwd)
SECS=${2:-5}
T=$(mktemp -d)
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
mkdir -p "$T/plain" "$T/backoff" "$T/waiting/dependencies.d"
printf '#!/bin/sh\nexec sleep 600\n' > "$T/plain/run"
printf '#!/bin/sh\nexit 1\n' > "$T/backoff/run"
echo "60000 60000" > "$T/backoff/restart-backoff"
printf '#!/bin/sh\nexec sleep 600\n' > "$T/waiting/run"
: > "$T/waiting/dependencies.d/nosuch"
chmod +x "$T"/*/run
for s in plain backoff waiting; do
  "$BIN/supervise" "$T/$s" & pids="$pids $!"; eval "pid_$s=$!"
done
phase() { sed -n 's/^phase //p' "$T/$1/supervise/svkit-status" 2>/dev/null; }
i=0
while [ "$(phase plain)" != up ] || [ "$(phase backoff)" != backoff ] || [ "$(phase waiting)" != waiting ]; do
  i=$((i+1)); [ $i -lt 500 ] || { echo "services did not settle" >&2; exit 1; }; sleep 0.01
done
sleep 0.2
csw() { sed -n 's/^voluntary_ctxt_switches:\t*//p' "/proc/$1/status"; }
for s in plain backoff waiting; do eval "a_$s=\$(csw \$pid_$s)"; done
sleep "$SECS"
for s in plain backoff waiting; do
  eval "p=\$pid_$s; a=\$a_$s"
  echo "$s ($(phase $s)): $(( $(csw $p) - a )) voluntary context switches in ${SECS} s"
done
