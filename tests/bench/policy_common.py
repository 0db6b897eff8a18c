# SPDX-License-Identifier: MIT
# Shared helpers of the policy benchmarks: service trees in a temp dir, a FIFO whose lines
# are timestamped as they arrive, supervise processes, svkit-status readers.
import os, select, signal, subprocess, sys, tempfile, time


def bin_dir():
    d = sys.argv[1] if len(sys.argv) > 1 else "build/bin"
    return os.path.abspath(d)


class Events:
    """A FIFO that run scripts write one line to; lines come back with arrival times."""

    def __init__(self, path):
        self.path = path
        os.mkfifo(path)
        self.fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
        self.buf = b""

    def next(self, timeout=10.0):
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                raise TimeoutError("no event from a run script")
            self.buf += os.read(self.fd, 65536)
        t = time.monotonic()
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode(), t


def script(path, body):
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body)
    os.chmod(path, 0o755)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def ext(d):
    try:
        with open(os.path.join(d, "supervise/svkit-status")) as f:
            return dict(l.split(" ", 1) if " " in l else (l, "") for l in f.read().splitlines())
    except OSError:
        return {}


def wait_phase(d, phase, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if ext(d).get("phase") == phase:
            return
        time.sleep(0.001)
    raise TimeoutError(f"{d}: phase {phase} not reached (is {ext(d).get('phase')})")


def control(d, byte):
    fd = os.open(os.path.join(d, "supervise/control"), os.O_WRONLY | os.O_NONBLOCK)
    os.write(fd, byte.encode())
    os.close(fd)


class Supervisors:
    def __init__(self, bindir):
        self.exe = os.path.join(bindir, "supervise")
        self.procs = []

    def start(self, d, env=None):
        p = subprocess.Popen([self.exe, d], stdin=subprocess.DEVNULL, env=env,
                             start_new_session=True)
        self.procs.append(p)
        return p

    def stop(self):
        for p in self.procs:
            try:
                os.kill(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        end = time.monotonic() + 5
        for p in self.procs:
            try:
                p.wait(max(0.1, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2
