#!/bin/sh
# tests/pkg/check.sh NEW.deb OLD.deb PKG.rpm: the packages' checks (scripts/package --check).
#  1. lintian: no errors on the .deb;
#  2. rpm -qlp lists the same files as the .deb, the tools in /usr/bin; rpmlint (report);
#     tests/pkg/spec.sh: the Fedora spec parses, builds a source package, passes rpmlint;
#  3. in a Debian root made from Debian's packages (mmdebstrap, cached as a tarball), with
#     busybox init as PID 1 of a PID + mount namespace: OLD.deb installs and its postinst
#     starts svscan through the init; a service comes up; NEW.deb upgrades without
#     restarting svscan or the service; removal stops the tree and keeps the service
#     directory; purge removes the package's state. The machine's own /usr is never touched.
# A missing tool fails under CI=true and is a warning elsewhere. Exit 0 when all passed.
set -u
deb=$1 old=$2 rpm=$3
# The root holds the packages the .deb depends on (dpkg -i fetches nothing): one cached
# tarball per list of dependencies.
debdeps=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/(.*)//; s/|.*//; s/ //g' | grep . | sort | tr '\n' ',')
cache=${SVKIT_PKG_ROOT_CACHE:-/var/cache/svkit/pkg-root-bookworm-$(echo "$debdeps" | cksum | cut -d' ' -f1).tar}
fail=0
say() { echo "pkg-check: $*"; }
bad() { echo "pkg-check: FAIL: $*" >&2; fail=1; }
missing() {
  case ${CI:-} in true|1|yes) bad "missing under CI: $1" ;; *) echo "pkg-check: warning: not run here, missing: $1" >&2 ;; esac
}
have() { command -v "$1" >/dev/null 2>&1; }

# --- 1. lintian
if have lintian; then
  out=$(lintian --fail-on error "$deb" 2>&1)
  st=$?
  [ -n "$out" ] && echo "$out" | grep -v 'running with root privileges' | sed 's/^/pkg-check: lintian: /'
  [ $st = 0 ] && say "lintian: no errors" || bad "lintian reports errors"
else
  missing "lintian"
fi

# --- 2. rpm -qlp: the .deb's files, nothing else (the lintian overrides are Debian's only)
tmp=$(mktemp -d)
cleanup() {
  # (unshare ignores SIGTERM while it waits; --kill-child takes the namespace down with it)
  [ -n "${nspid:-}" ] && kill -KILL "$nspid" 2>/dev/null && wait "$nspid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
if have rpm; then
  dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./|/|' |
    grep -v '^/usr/share/lintian/' | sort >"$tmp/deb.files"
  rpm -qlvp "$rpm" 2>/dev/null | awk '$1 !~ /^d/ {print $9}' | grep -v '^/usr/share/lintian/' |
    sort >"$tmp/rpm.files"
  if ! diff -u "$tmp/deb.files" "$tmp/rpm.files" >"$tmp/diff"; then
    bad "rpm and deb list different files:"; cat "$tmp/diff" >&2
  fi
  for f in /usr/bin/sv /usr/bin/svc /usr/bin/svstat /usr/bin/svscan /usr/bin/supervise \
           /usr/bin/svkit-boot /usr/share/man/man8/sv.8.gz /usr/share/man/man8/svkit-boot.8.gz \
           /usr/share/doc/svkit/copyright /usr/share/doc/svkit/README.md \
           /usr/share/svkit/boot/svkit.service; do
    grep -qxF "$f" "$tmp/rpm.files" || bad "rpm -qlp: $f is missing"
  done
  grep -v -e '^/usr/bin/' -e '^/usr/share/man/man8/' -e '^/usr/share/svkit/' \
    -e '^/usr/share/doc/svkit/' "$tmp/rpm.files" >"$tmp/stray" && { bad "rpm: unexpected files:"; cat "$tmp/stray" >&2; }
  say "rpm -qlp: $(wc -l <"$tmp/rpm.files") files as in the .deb"
  rpm -qp --requires "$rpm" 2>/dev/null | sed 's/^/pkg-check: rpm requires: /'
else
  missing "rpm"
fi
if have rpmlint; then
  rpmlint -r "$(dirname "$0")/../../packaging/rpmlintrc" "$rpm" >"$tmp/rpmlint" 2>&1
  sed 's/^/pkg-check: rpmlint: /' "$tmp/rpmlint" | grep -E ': E: |errors' || true
  grep -q ' 0 errors' "$tmp/rpmlint" && say "rpmlint: no errors" || bad "rpmlint reports errors"
else
  missing "rpmlint"
fi

# --- 2b. the Fedora spec (packaging/svkit.spec): parses, makes a source package, rpmlint
"$(dirname "$0")/spec.sh" || bad "the Fedora spec's checks (tests/pkg/spec.sh) failed"

# --- 3. install, upgrade, remove, purge in a Debian root under busybox init
for t in unshare nsenter chroot busybox; do have $t || { missing "$t"; exit $fail; }; done
if [ ! -f "$cache" ]; then
  if have mmdebstrap; then
    say "making the Debian root (mmdebstrap, once): $cache"
    mkdir -p "$(dirname "$cache")"
    mmdebstrap --quiet --variant=essential --include="busybox,${debdeps%,}" bookworm "$cache.tmp.tar" &&
      mv "$cache.tmp.tar" "$cache" || { bad "mmdebstrap failed"; exit 1; }
  else
    missing "mmdebstrap"; exit $fail
  fi
fi
root=$tmp/root
mkdir "$root" && tar -C "$root" -xf "$cache" || { bad "unable to unpack $cache"; exit 1; }
printf '# svkit package test: busybox init; svkit-boot adds its line\n::ctrlaltdel:/bin/true\n' >"$root/etc/inittab"
cp "$deb" "$root/tmp/new.deb" && cp "$old" "$root/tmp/old.deb"

unshare --pid --fork --mount --kill-child chroot "$root" /bin/sh -c \
  '/bin/busybox mount -t proc proc /proc && /bin/busybox mount -t tmpfs tmpfs /run && exec /bin/busybox init' \
  </dev/null >"$tmp/init.out" 2>&1 &
nspid=$!
init=""
n=0
while [ -z "$init" ] && [ $n -lt 100 ]; do
  init=$(cat /proc/$nspid/task/$nspid/children 2>/dev/null | tr -d ' ')
  [ -n "$init" ] && [ "$(tr '\0' ' ' </proc/"$init"/cmdline 2>/dev/null)" != "/bin/busybox init " ] && init=""
  n=$((n + 1)); sleep 0.1
done
[ -n "$init" ] || { bad "busybox init did not start"; cat "$tmp/init.out" >&2; exit 1; }
inroot() { nsenter -t "$init" -p -m -r -w -- "$@"; }
# wait CMD...: up to 15 s for CMD to succeed inside the root
wait_for() { n=0; while [ $n -lt 150 ]; do inroot "$@" >/dev/null 2>&1 && return 0; n=$((n + 1)); sleep 0.1; done; return 1; }
procs() { inroot /bin/sh -c 'for p in /proc/[0-9]*; do tr "\0" " " <$p/cmdline 2>/dev/null; echo; done'; }
svscan_pid() { inroot /bin/sh -c 'for p in /proc/[0-9]*; do case $(tr "\0" " " <$p/cmdline 2>/dev/null) in "/usr/bin/svscan /service ") echo ${p#/proc/};; esac; done'; }

inroot dpkg -i /tmp/old.deb >"$tmp/dpkg.out" 2>&1 || { bad "dpkg -i old.deb failed"; cat "$tmp/dpkg.out" >&2; }
say "installed $(inroot dpkg-query -W -f='${Version}' svkit)"
grep -qx '::respawn:/usr/bin/svkit-boot run /service' "$root/etc/inittab" || bad "postinst added no busybox inittab line"
wait_for /bin/sh -c '/usr/bin/svkit-boot status | grep -q "svscan /service: running"' ||
  bad "svscan not started by busybox init after install"
mkdir -p "$root/service/.a/log"
printf '#!/bin/sh\nexec sleep 120\n' >"$root/service/.a/run"
printf '#!/bin/sh\nexec cat >/dev/null\n' >"$root/service/.a/log/run"
chmod 755 "$root/service/.a/run" "$root/service/.a/log/run"
mv "$root/service/.a" "$root/service/a"
wait_for /bin/sh -c '/usr/bin/svstat /service/a | grep -q ": up "' || bad "service a did not come up"
before=$(inroot /usr/bin/svstat /service/a | sed 's/.*(pid \([0-9]*\)).*/\1/')
scan1=$(svscan_pid)
ino1=$(stat -c %i "$root/usr/bin/supervise")

inroot dpkg -i /tmp/new.deb >"$tmp/dpkg.out" 2>&1 || { bad "dpkg -i new.deb (upgrade) failed"; cat "$tmp/dpkg.out" >&2; }
say "upgraded to $(inroot dpkg-query -W -f='${Version}' svkit)"
after=$(inroot /usr/bin/svstat /service/a | sed 's/.*(pid \([0-9]*\)).*/\1/')
scan2=$(svscan_pid)
case $before in ""|*[!0-9]*) before=none ;; esac
[ "$before" != none ] && [ "$before" = "$after" ] && say "service a still up after the upgrade (pid $after)" ||
  bad "the upgrade restarted service a ($before -> $after)"
[ -n "$scan1" ] && [ "$scan1" = "$scan2" ] || bad "the upgrade restarted svscan ($scan1 -> $scan2)"
[ "$(grep -c "svkit-boot run" "$root/etc/inittab")" = 1 ] || bad "inittab line duplicated by the upgrade"
ino2=$(stat -c %i "$root/usr/bin/supervise")
[ "$ino1" != "$ino2" ] && say "supervise replaced (inode $ino1 -> $ino2); running ones keep the old: $(inroot readlink /proc/"$scan2"/exe)"

inroot dpkg -r svkit >"$tmp/dpkg.out" 2>&1 || { bad "dpkg -r failed"; cat "$tmp/dpkg.out" >&2; }
n=0
while [ $n -lt 150 ] && procs | grep -qE 'svscan|supervise|sleep 120'; do n=$((n + 1)); sleep 0.1; done
procs | grep -E 'svscan|supervise|sleep 120' >"$tmp/left" && { bad "left running after removal:"; cat "$tmp/left" >&2; }
[ -x "$root/service/a/run" ] || bad "removal touched the service directory"
grep -q "svkit-boot run" "$root/etc/inittab" && bad "removal left the inittab line"
[ -e "$root/usr/bin/svscan" ] && bad "removal left /usr/bin/svscan"
say "removed: tree stopped, service directory kept"
inroot dpkg -P svkit >"$tmp/dpkg.out" 2>&1 || { bad "dpkg -P failed"; cat "$tmp/dpkg.out" >&2; }
[ -e "$root/var/lib/svkit" ] && bad "purge left /var/lib/svkit"
[ -d "$root/service/a" ] || bad "purge removed a service directory"
[ $fail = 0 ] && say "all passed" || say "FAILED"
exit $fail
