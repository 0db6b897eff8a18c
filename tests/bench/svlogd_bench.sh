#!/bin/sh
# svlogd_bench.sh [BIN_DIR] [LINES]: throughput and CPU of `cat FILE | LOGGER` for svkit's
# svlogd -tt, runit's svlogd -tt and s6-log (same rotation: 1,000,000-byte files, 1000
# kept), on LINES lines of 100 bytes (default 1,000,000). Median of 3 wall times; every
# run checks that all lines landed. Needs GNU time (/usr/bin/time) for the CPU figures.
set -eu
BIN=${1:-$(dirname "$0")/../../build/bin}
LINES=${2:-1000000}
T=$(mktemp -d "${TMPDIR:-/tmp}/svlogd-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
awk -v n="$LINES" 'BEGIN { x = sprintf("%90s", ""); gsub(/ /, "x", x); for (i = 0; i < n; i++) printf "%08d %s\n", i, x }' > "$T/in"
MB=$(awk -v b="$(wc -c < "$T/in")" 'BEGIN { printf "%.1f", b / 1e6 }')
echo "input: $LINES lines, $MB MB"

run() {  # name, then the logger command (DIR is replaced by the log directory)
  name=$1; shift
  for rep in 1 2 3; do
    rm -rf "$T/log"; mkdir "$T/log"; printf 's1000000\nn1000\n' > "$T/log/config"
    cmd=$(echo "$*" | sed "s#DIR#$T/log#")
    /usr/bin/time -f "%e %U %S" -o "$T/time" sh -c "cat '$T/in' | $cmd"
    got=$(cat "$T"/log/@* "$T/log/current" 2>/dev/null | wc -l)
    [ "$got" -eq "$LINES" ] || echo "$name: only $got lines landed" >&2
    cat "$T/time"
  done | sort -n | sed -n 2p | awk -v n="$name" -v mb="$MB" \
    '{ printf "%-8s wall %6.3f s  %7.1f MB/s  cpu %.3f s (user %.3f, sys %.3f)\n", n, $1, mb / $1, $2 + $3, $2, $3 }'
}

run svkit "$BIN/svlogd -tt DIR"
[ -x /usr/bin/svlogd ] && run runit "/usr/bin/svlogd -tt DIR"
command -v s6-log >/dev/null && run s6-log "s6-log n1000 s1000000 t DIR"
exit 0
