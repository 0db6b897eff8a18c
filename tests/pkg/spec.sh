#!/bin/sh
# tests/pkg/spec.sh [--binary]: checks of packaging/svkit.spec (the Fedora spec) with
# Debian's rpm, which lacks Fedora's macro packages: tests/pkg/fedora.macros stands in.
#  1. rpmspec -P parses the spec; the %files use Fedora's directories;
#  2. rpmbuild -bs makes the source package from a tarball of the tracked files;
#  3. rpmlint on the spec and the source package: no errors;
#  4. --binary: rpmbuild -bb --nodeps really builds it (BuildRequires are Fedora's names,
#     not checked here), rpm -qlp lists the tools in /usr/bin, the unit in
#     /usr/lib/systemd/system, the man pages, the licence in /usr/share/licenses/svkit;
#     rpmlint: no errors.
# Not checkable here: BuildRequires resolution, Fedora's own flags and brp scripts, dnf,
# the systemd scriptlets on a running system, SELinux labels (README, "Fedora").
# A missing tool fails under CI=true and is a warning elsewhere. Exit 0 when all passed.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
spec=$top/packaging/svkit.spec
macros=$top/tests/pkg/fedora.macros
fail=0
say() { echo "spec-check: $*"; }
bad() { echo "spec-check: FAIL: $*" >&2; fail=1; }
have() { command -v "$1" >/dev/null 2>&1; }
for t in rpmspec rpmbuild; do
  have $t || { case ${CI:-} in true|1|yes) bad "missing under CI: $t" ;;
               *) echo "spec-check: warning: not run here, missing: $t" >&2 ;; esac; exit $fail; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rpmspec --load "$macros" -P "$spec" >"$tmp/parsed" 2>"$tmp/err" || { bad "rpmspec -P:"; cat "$tmp/err" >&2; exit 1; }
for want in '^/usr/bin/\*$' '^/usr/share/man/man8/\*\.8\*$' '^/usr/lib/systemd/system/svkit\.service$' \
            '^%license LICENSE$' '^%doc README\.md$'; do
  grep -q "$want" "$tmp/parsed" || bad "rpmspec -P: no line $want in %files"
done
say "rpmspec -P: parsed; %files in Fedora's directories"
ver=$(rpmspec --load "$macros" -q --srpm --qf '%{version}\n' "$spec" 2>/dev/null)
mkdir -p "$tmp/top/SOURCES"
git -C "$top" ls-files -z | tar -C "$top" --null -T - --transform "s|^|svkit-$ver/|" \
  -czf "$tmp/top/SOURCES/svkit-$ver.tar.gz" || { bad "unable to make the source tarball"; exit 1; }
rpmbuild --load "$macros" --define "_topdir $tmp/top" -bs "$spec" >"$tmp/bs" 2>&1 ||
  { bad "rpmbuild -bs:"; cat "$tmp/bs" >&2; }
srpm=$(ls "$tmp"/top/SRPMS/*.src.rpm 2>/dev/null)
[ -n "$srpm" ] && say "rpmbuild -bs: $(basename "$srpm")"
if have rpmlint; then
  # (filters that only apply to the binary package are reported unused here)
  rpmlint -r "$top/packaging/svkit.rpmlintrc" "$spec" $srpm 2>&1 | grep -v unused-rpmlintrc-filter >"$tmp/lint"
  grep -E ': E: ' "$tmp/lint" | sed 's/^/spec-check: rpmlint: /'
  grep -q ': E: ' "$tmp/lint" && bad "rpmlint reports errors on the spec or srpm" || say "rpmlint (spec, srpm): no errors"
fi
[ "${1:-}" = --binary ] || { [ $fail = 0 ] && say "all passed"; exit $fail; }

rpmbuild --load "$macros" --define "_topdir $tmp/top" --nodeps -bb "$spec" >"$tmp/bb" 2>&1 ||
  { bad "rpmbuild -bb:"; tail -30 "$tmp/bb" >&2; exit 1; }
rpm=$(ls "$tmp"/top/RPMS/*/svkit-"$ver"-*.rpm | grep -v debug | head -1)
say "rpmbuild -bb: $(basename "$rpm")"
rpm -qlvp "$rpm" 2>/dev/null | awk '{l = $1 " " $9; if ($10 != "") l = l " " $10 " " $11; print l}' >"$tmp/files"
for f in /usr/bin/sv /usr/bin/svc /usr/bin/svstat /usr/bin/supervise /usr/bin/svkit-boot \
         /usr/lib/systemd/system/svkit.service \
         /usr/share/licenses/svkit/LICENSE /usr/share/doc/svkit/README.md \
         /usr/share/svkit/boot/svkit.service; do
  grep -q " $f\$" "$tmp/files" || bad "rpm -qlp: $f is missing"
done
# Man pages: Fedora's brp-compress gzips them; Debian's rpm leaves them plain.
grep -qE ' /usr/share/man/man8/sv\.8(\.gz)?$' "$tmp/files" || bad "rpm -qlp: the man page sv.8 is missing"
grep -q '^l.* /usr/bin/svscan -> supervise$' "$tmp/files" || bad "rpm -qlp: /usr/bin/svscan is no symbolic link to supervise"
grep -q ' /usr/share/doc/svkit/copyright$' "$tmp/files" && bad "rpm -qlp: the Debian copyright file is shipped"
awk '$1 !~ /^d/ {print $2}' "$tmp/files" | grep -v -e '^/usr/bin/' -e '^/usr/share/man/man8/' \
  -e '^/usr/share/svkit/' -e '^/usr/share/doc/svkit/' -e '^/usr/share/licenses/svkit/' \
  -e '^/usr/lib/systemd/system/svkit.service$' -e '^/usr/lib/\.build-id' >"$tmp/stray" &&
  { bad "rpm: unexpected files:"; cat "$tmp/stray" >&2; }
rpm2cpio "$rpm" | (cd "$tmp" && cpio -id --quiet ./usr/lib/systemd/system/svkit.service) &&
  grep -qx 'ExecStart=/usr/bin/svkit-boot run /service' "$tmp/usr/lib/systemd/system/svkit.service" ||
  bad "the packaged unit does not run /usr/bin/svkit-boot run /service"
say "rpm -qlp: $(awk '$1 !~ /^d/' "$tmp/files" | wc -l) files in Fedora's directories"
if have rpmlint; then
  rpmlint -r "$top/packaging/svkit.rpmlintrc" "$rpm" >"$tmp/lint" 2>&1
  grep -E ': [EW]: ' "$tmp/lint" | sed 's/^/spec-check: rpmlint: /'
  grep -qE ' 0 errors' "$tmp/lint" && say "rpmlint (rpm): $(tail -1 "$tmp/lint")" || bad "rpmlint reports errors on the rpm"
fi
[ $fail = 0 ] && say "all passed" || say "FAILED"
exit $fail
