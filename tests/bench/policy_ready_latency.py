#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Ready-to-dependent-start latency (issue 9 target: median <= 5 ms). db has
# notification-fd; its run blocks on a trigger FIFO, then writes the readiness line. app
# depends on db. Per rep: app down, db restarted and "starting", app up (waiting); then the
# harness writes the trigger (t0) and times app's run reporting on the events FIFO (t1).
# usage: policy_ready_latency.py [BIN_DIR] [REPS]   (alone on the machine: no other benchmark beside it)
import os, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from policy_common import *

reps = int(sys.argv[2]) if len(sys.argv) > 2 else 30
tmp = tempfile.mkdtemp(prefix="policy-ready-")
scan = os.path.join(tmp, "scan")
db, app = os.path.join(scan, "db"), os.path.join(scan, "app")
os.makedirs(os.path.join(app, "dependencies.d"))
os.makedirs(db)
ev = Events(os.path.join(tmp, "events"))
trigger = os.path.join(tmp, "trigger")
os.mkfifo(trigger)
tfd = os.open(trigger, os.O_RDWR)
write(os.path.join(db, "notification-fd"), "3\n")
write(os.path.join(db, "restart-backoff"), "1 1\n")  # no one-second throttle between reps
script(os.path.join(db, "run"), f"read x < {trigger}\necho >&3\nexec sleep 600\n")
write(os.path.join(app, "dependencies.d", "db"), "")
write(os.path.join(app, "down"), "")
script(os.path.join(app, "run"), f"echo app > {ev.path}\nexec sleep 600\n")
sup = Supervisors(bin_dir())
lat = []
try:
    sup.start(db)
    sup.start(app)
    wait_phase(app, "down")  # its supervise/control is open from then on
    for i in range(reps):
        wait_phase(db, "starting")
        control(app, "u")
        wait_phase(app, "waiting")
        t0 = time.monotonic()
        os.write(tfd, b"go\n")
        line, t1 = ev.next()
        lat.append((t1 - t0) * 1000)
        wait_phase(app, "up")
        control(app, "d")
        wait_phase(app, "down")
        control(db, "t")  # restarts at once (back-off 1 ms); the next rep waits for "starting"
        end = time.monotonic() + 5
        while ext(db).get("phase") == "up" and time.monotonic() < end:
            time.sleep(0.001)
finally:
    sup.stop()
print(f"ready-to-dependent-start latency over {len(lat)} reps: median {median(lat):.2f} ms, "
      f"min {min(lat):.2f}, max {max(lat):.2f}")
