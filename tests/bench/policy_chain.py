#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A chain of N services (default 50), s01 depending on s00, s02 on s01, ...; each is
# ready (notification-fd) STARTUP_MS after its run starts. All supervise processes are
# launched at once, last first. Target (issue 9): launch-to-last-ready <= 1.2 x the sum
# of the services' own start-up times (run start to readiness line, as each reports).
# As a user starts them: one svscan on the scan directory (it launches the 50 supervise
# processes, in directory order, and passes each the scan directory).
# usage: policy_chain.py [BIN_DIR] [N] [STARTUP_MS]   (alone on the machine: no other benchmark beside it)
import os, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from policy_common import *

n = int(sys.argv[2]) if len(sys.argv) > 2 else 50
startup_ms = int(sys.argv[3]) if len(sys.argv) > 3 else 20
tmp = tempfile.mkdtemp(prefix="policy-chain-")
scan = os.path.join(tmp, "scan")
ev = Events(os.path.join(tmp, "events"))
names = [f"s{i:02d}" for i in range(n)]
for i, name in enumerate(names):
    d = os.path.join(scan, name)
    os.makedirs(os.path.join(d, "dependencies.d"))
    if i:
        write(os.path.join(d, "dependencies.d", names[i - 1]), "")
    write(os.path.join(d, "notification-fd"), "3\n")
    script(os.path.join(d, "run"),
           f"echo S {name} > {ev.path}\nsleep {startup_ms / 1000}\n"
           f"echo R {name} > {ev.path}\necho >&3\nexec sleep 600\n")
started, ready = {}, {}
t0 = time.monotonic()
svscan = subprocess.Popen([os.path.join(bin_dir(), "svscan"), scan], stdin=subprocess.DEVNULL,
                          start_new_session=True)
try:
    while len(ready) < n:
        line, t = ev.next(30)
        kind, name = line.split()
        (started if kind == "S" else ready)[name] = t
    total = (ready[names[-1]] - t0) * 1000
finally:
    svscan.send_signal(signal.SIGHUP)  # stops every service, dependents first, then exits
    try:
        svscan.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(svscan.pid, signal.SIGKILL)
        svscan.wait()
own = sum((ready[x] - started[x]) * 1000 for x in names)
gaps = [(started[names[i]] - ready[names[i - 1]]) * 1000 for i in range(1, n)]
order_ok = all(started[names[i]] >= ready[names[i - 1]] for i in range(1, n))
print(f"chain of {n}: launch to last ready {total:.1f} ms; sum of own start-up times "
      f"{own:.1f} ms; ratio {total / own:.3f} (target <= 1.2); "
      f"every service started after its dependency was ready: {order_ok}; "
      f"dependency ready -> dependent run started: median {median(gaps):.2f} ms, max {max(gaps):.2f}; "
      f"svscan launch to the first run started: "
      f"{(started[names[0]] - t0) * 1000:.1f} ms")
