#!/usr/bin/env python3
# scripts/posix-facilities.py BIN TRACE: reads `strace -f -o TRACE` output and fails when a
# process running one of BIN's programs (or a child of one before its exec) used a Linux-only
# facility: inotify, signalfd, pidfd, prctl, or a path under /proc. Other programs (sh,
# sleep, ps) may: they are not svkit. Used by scripts/posix-test.
import os
import re
import sys

bin_dir = os.path.realpath(sys.argv[1])
lines = open(sys.argv[2], errors="replace").read().splitlines()
def is_elf(path):
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


# The compiled tools (svkit-boot is a shell script that inspects the machine's init).
ours = {os.path.realpath(os.path.join(bin_dir, n)) for n in os.listdir(bin_dir)
        if is_elf(os.path.join(bin_dir, n))}
forbidden = re.compile(r'^(<\.\.\. )?(inotify_\w+|signalfd4?|pidfd_\w+|prctl)\b|"/proc[/"]')
line_re = re.compile(r'^(\d+) +(.*)$')
prog = {}      # pid -> program path running now
pending = {}   # pid -> execve path awaiting its result
events = []    # (pid, text) in order
for raw in lines:
    m = line_re.match(raw)
    if not m:
        continue
    events.append((int(m.group(1)), m.group(2)))

spawned = {}   # child pid -> parent's program at the fork
since_exec = {}  # pid -> calls since its execve
bad = []
for pid, text in events:
    cur = prog.get(pid, spawned.get(pid))
    m = re.match(r'(?:<\.\.\. )?(clone3?|fork|vfork)\b.*= (\d+)$', text)
    if m:
        spawned[int(m.group(2))] = cur
        prog.pop(int(m.group(2)), None)  # a pid reused since
        continue
    m = re.match(r'execve\("([^"]*)"', text)
    if m:
        pending[pid] = m.group(1)
    if re.match(r'(execve\(|<\.\.\. execve resumed>)', text) and text.endswith('= 0') and pid in pending:
        prog[pid] = os.path.realpath(pending.pop(pid))
        since_exec[pid] = 0
        continue
    if not text.startswith(('<...', '---', '+++')):  # count calls, not their halves
        since_exec[pid] = since_exec.get(pid, 99) + 1
    # glibc's start-up of a static program (_dl_non_dynamic_init) reads /proc/self/exe
    # before main(); that is the C library of this Linux build, not svkit's code.
    if since_exec.get(pid, 99) <= 16 and text.startswith('readlink("/proc/self/exe"'):
        continue
    if cur in ours and forbidden.search(text):
        bad.append(f"{pid} [{os.path.basename(cur)}] (call {since_exec.get(pid, 99)} since exec) {text}")
progs = sorted({os.path.basename(p) for p in prog.values() if p in ours})
if not progs:
    print("posix-facilities: fatal: no svkit program seen in the trace", file=sys.stderr)
    sys.exit(1)
if bad:
    print("posix-facilities: fatal: Linux-only facilities used by svkit programs:", file=sys.stderr)
    for b in bad[:40]:
        print("  " + b, file=sys.stderr)
    sys.exit(1)
print(f"posix-facilities: ok: {len(events)} traced calls of {', '.join(progs)}: "
      "no inotify, signalfd, pidfd, prctl or /proc")
