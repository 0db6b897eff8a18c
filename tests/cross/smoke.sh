#!/bin/sh
# tests/cross/smoke.sh BIN_DIR: supervision smoke test of a cross-built svkit (scripts/cross).
# Run it where BIN_DIR's programs can be executed by the kernel: on the board itself, or
# under qemu-user through binfmt_misc (scripts/cross runs it inside a private user, mount
# and PID namespace with its own binfmt_misc instance, so that svscan can exec the arm64
# supervise and a run script the arm64 svlogd; the machine's binfmt_misc is not touched).
#  1. svscan on a temp scan directory with a service `a` and its log/ service (svlogd);
#  2. wait (bounded) until `sv status` shows both up and the service's line reaches the log;
#  3. `sv down`, wait until it shows down; svstat agrees;
#  4. SIGHUP svscan (it stops every supervise and exits 111); nothing of the tree is left.
# Exit 0 when all passed; each failure is one line "smoke: FAIL: ...".
set -u
bin=$(cd "$1" && pwd)
tmp=$(mktemp -d)
scan=$tmp/service
fail=0
scanpid=""
say() { echo "smoke: $*"; }
bad() { echo "smoke: FAIL: $*" >&2; fail=1; }
cleanup() {
  [ -n "$scanpid" ] && kill -HUP "$scanpid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds or SECONDS have passed.
wait_for() {
  limit=$(($1 * 10)); shift; n=0
  while [ $n -lt $limit ]; do "$@" >/dev/null 2>&1 && return 0; n=$((n + 1)); sleep 0.1; done
  return 1
}
# Our processes other than this shell and its ancestors: cmdlines from /proc.
tree() {
  for p in /proc/[0-9]*; do
    c=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) || continue
    case $c in *"$tmp"*|*svscan*|*supervise*|*svlogd*|*"sleep 60"*) echo "${p#/proc/} $c" ;; esac
  done | grep -v "^$$ " || true
}

mkdir -p "$scan/.a/log"
printf '#!/bin/sh\necho "svkit smoke: a started"\nexec sleep 60\n' >"$scan/.a/run"
printf '#!/bin/sh\nexec %s/svlogd ./main\n' "$bin" >"$scan/.a/log/run"
mkdir "$scan/.a/log/main"
chmod 755 "$scan/.a/run" "$scan/.a/log/run"
mv "$scan/.a" "$scan/a"
say "$(file -L "$bin/supervise" 2>/dev/null | cut -d, -f1,2)"

"$bin/svscan" "$scan" </dev/null >"$tmp/svscan.out" 2>&1 &
scanpid=$!
up() { "$bin/sv" status "$scan/a" | grep -q '^run: .*; run: log: '; }
wait_for 60 up && say "sv status: $("$bin/sv" status "$scan/a")" ||
  bad "service a and its log did not come up: $("$bin/sv" status "$scan/a" 2>&1)"
logged() { grep -q "svkit smoke: a started" "$scan/a/log/main/current"; }
wait_for 30 logged && say "log line: $(cat "$scan/a/log/main/current")" ||
  bad "the service's line did not reach log/main/current"

"$bin/sv" down "$scan/a" >/dev/null || bad "sv down failed"
down() { "$bin/sv" status "$scan/a" | grep -q '^down: .*; run: log: '; }
wait_for 30 down && say "after sv down: $("$bin/sv" status "$scan/a")" ||
  bad "service a did not go down: $("$bin/sv" status "$scan/a" 2>&1)"
"$bin/svstat" "$scan/a" | grep -q ': down ' || bad "svstat disagrees: $("$bin/svstat" "$scan/a" 2>&1)"

kill -HUP "$scanpid"
gone() { ! kill -0 "$scanpid"; }
wait_for 60 gone || bad "svscan did not exit within 60 s of SIGHUP"
wait "$scanpid"; st=$?
scanpid=""
[ "$st" = 111 ] && say "svscan exited 111 after SIGHUP (as runsvdir)" || bad "svscan exit status $st, not 111"
nothing_left() { [ -z "$(tree)" ]; }
wait_for 10 nothing_left && say "nothing left running" || { bad "left running:"; tree >&2; }
[ -s "$tmp/svscan.out" ] && sed 's/^/smoke: svscan said: /' "$tmp/svscan.out"
[ $fail = 0 ] && say "all passed" || say "FAILED"
exit $fail
