#!/usr/bin/env python3
"""Benchmarks for `gowarden watch` (BENCHMARKS.md, "Watching"). Run by `scripts/bench watch`.

usage: bench-watch.py GOWARDEN FIXTURES [latency|idle|install|all] [--idle-secs N]

Builds a scenario machine in a temp dir (judged as darwin/arm64 under GOWARDEN_ROOT): Homebrew
with two kegs, go 1.23.2 linked, 1.22.10 poured beside it, and 37 more PATH entries. Then:
  latency  50 flips of /opt/homebrew/bin/go between the kegs (a new link renamed over the old,
           as `ln -sfn` and brew do); for each, the time from rename(2) returning to the
           `version-changed` line of `gowarden watch --json` being read. Median and p95.
  idle     nothing changes for --idle-secs (default 150) after a 10 s warm-up: CPU time
           (every thread's /proc schedstat, ns) per minute, and RSS (VmRSS, VmHWM peak);
           then again with --rescan-every 60, to show what the periodic rescan costs.
  install  a 15,000-file GOROOT copied into ~/sdk file by file (cp -a), then removed
           (rm -rf): every event printed until 15 s of quiet after each, which must be exactly
           one installation-added, then exactly one installation-removed.
"""
import json
import os
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time


def tree(fx, name, dest):
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    subprocess.run(["cp", "-al", os.path.join(fx, name, "go"), dest], check=True)


def scenario(fx, m):
    r, h = os.path.join(m, "root"), os.path.join(m, "home")
    cellar = os.path.join(r, "opt/homebrew/Cellar/go")
    for v, f in [("1.23.2", "go1.23.2-darwin-arm64"), ("1.22.10", "go1.22.10-darwin-arm64")]:
        tree(fx, f, os.path.join(cellar, v, "libexec"))
        os.makedirs(os.path.join(cellar, v, "bin"))
        os.symlink("../libexec/bin/go", os.path.join(cellar, v, "bin/go"))
    hb = os.path.join(r, "opt/homebrew/bin")
    os.makedirs(hb)
    os.symlink("../Cellar/go/1.23.2/bin/go", os.path.join(hb, "go"))
    tree(fx, "go1.22.10-darwin-arm64", os.path.join(r, "usr/local/go"))
    os.makedirs(os.path.join(h, "sdk"))
    path = [hb, os.path.join(r, "usr/local/go/bin")]
    for i in range(37):
        d = os.path.join(r, "opt/tools", str(i), "bin")
        os.makedirs(d)
        path.append(d)
    os.makedirs(os.path.join(m, "work"))
    os.makedirs(os.path.join(m, "data"))
    env = {
        "PATH": ":".join(path),
        "HOME": h,
        "GOWARDEN_ROOT": r,
        "GOWARDEN_HOST": "darwin/arm64",
        "GOWARDEN_DATA_DIR": os.path.join(m, "data"),
    }
    return env, hb, h


class Watch:
    def __init__(self, gw, env, cwd, extra=()):
        self.p = subprocess.Popen([gw, "watch", "--json", *extra], env=env, cwd=cwd,
                                  stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        self.buf = b""
        first = self.line(30)
        assert first and first["kind"] == "initial", first
        self.first = first

    def line(self, timeout):
        """The next JSON line, or None after `timeout` seconds without one."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.p.stdout], [], [], left)
            if ready:
                chunk = os.read(self.p.stdout.fileno(), 65536)
                if not chunk:
                    return None
                self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def quiet_events(self, quiet):
        """Every event until `quiet` seconds pass without one."""
        out = []
        while True:
            e = self.line(quiet)
            if e is None:
                return out
            out.append(e)

    def stop(self):
        self.p.send_signal(signal.SIGINT)
        t = time.monotonic()
        code = self.p.wait(30)
        return code, time.monotonic() - t


def relink(target, link):
    tmp = link + ".tmp"
    os.symlink(target, tmp)
    os.rename(tmp, link)


def latency(gw, env, hb, cwd, flips=50):
    w = Watch(gw, env, cwd)
    link = os.path.join(hb, "go")
    samples = []
    for i in range(flips):
        time.sleep(0.3)  # let the previous flip's scan finish: each flip is its own event
        v = "1.22.10" if i % 2 == 0 else "1.23.2"
        relink(f"../Cellar/go/{v}/bin/go", link)
        t0 = time.monotonic()
        while True:
            e = w.line(30)
            assert e is not None, f"no event for flip {i}"
            if e["kind"] == "version-changed":
                break
        samples.append((time.monotonic() - t0) * 1000)
        assert e["after"] == "go" + v, e
    code, stop = w.stop()
    samples.sort()
    p95 = samples[int(round(0.95 * len(samples))) - 1]
    print(f"latency over {flips} flips: median {statistics.median(samples):.0f} ms, "
          f"p95 {p95:.0f} ms, min {samples[0]:.0f} ms, max {samples[-1]:.0f} ms")
    print(f"stop on SIGINT: exit {code} in {stop * 1000:.0f} ms")


def proc_stat(pid):
    # On-CPU time of every thread, in ns (schedstat), not /proc/PID/stat's 10 ms ticks.
    cpu = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
            cpu += int(f.read().split()[0]) / 1e9
    status = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            status[k] = v.strip()
    return cpu, status["VmRSS"], status["VmHWM"], status["Threads"]


def idle(gw, env, cwd, secs, extra=()):
    w = Watch(gw, env, cwd, extra)
    watched = w.first.get("watched")
    time.sleep(10)
    cpu0, _, _, _ = proc_stat(w.p.pid)
    t0 = time.monotonic()
    time.sleep(secs)
    cpu1, rss, hwm, threads = proc_stat(w.p.pid)
    minutes = (time.monotonic() - t0) / 60
    events = w.quiet_events(0.1)
    w.stop()
    print(f"idle {' '.join(extra)} over {minutes * 60:.0f} s watching {watched} directories: "
          f"{(cpu1 - cpu0) * 1000 / minutes:.2f} ms CPU per minute, RSS {rss} (peak {hwm}), "
          f"{threads} threads, {len(events)} events")


def install(gw, env, home, cwd, fx):
    w = Watch(gw, env, cwd)
    src = tempfile.mkdtemp()
    big = os.path.join(src, "go")
    subprocess.run(["cp", "-al", os.path.join(fx, "go1.23.2-linux-amd64", "go"), big], check=True)
    n = sum(len(fs) for _, _, fs in os.walk(big))
    pad = os.path.join(big, "src", "zz-padding")
    os.makedirs(pad)
    for i in range(n, 15000):
        open(os.path.join(pad, f"f{i}"), "w").close()
    n = sum(len(fs) for _, _, fs in os.walk(big))
    dest = os.path.join(home, "sdk", "go1.23.2")
    t = time.monotonic()
    subprocess.run(["cp", "-a", big, dest], check=True)
    copy = time.monotonic() - t
    added = w.quiet_events(15)
    t = time.monotonic()
    subprocess.run(["rm", "-rf", dest], check=True)
    rm = time.monotonic() - t
    removed = w.quiet_events(15)
    w.stop()
    shutil.rmtree(src)
    show = lambda es: [(e["kind"], e["subject"].replace(home, "~")) for e in es]
    print(f"install of {n} files (cp -a, {copy:.2f} s): events {show(added)}")
    print(f"removal (rm -rf, {rm:.2f} s): events {show(removed)}")


def main():
    gw, fx = os.path.abspath(sys.argv[1]), sys.argv[2]
    what = sys.argv[3] if len(sys.argv) > 3 else "all"
    secs = int(sys.argv[sys.argv.index("--idle-secs") + 1]) if "--idle-secs" in sys.argv else 150
    m = tempfile.mkdtemp()
    try:
        env, hb, home = scenario(fx, m)
        cwd = os.path.join(m, "work")
        if what in ("all", "latency"):
            latency(gw, env, hb, cwd)
        if what in ("all", "install"):
            install(gw, env, home, cwd, fx)
        if what in ("all", "idle"):
            idle(gw, env, cwd, secs)
            # The same with a full rescan every minute instead of every 10: what a scan costs.
            idle(gw, env, cwd, secs, ("--rescan-every", "60"))
    finally:
        shutil.rmtree(m)


if __name__ == "__main__":
    main()
