#!/usr/bin/env python3
"""Resource budget of the menu-bar app, side by side with a bare Tauri 2 tray app.

Usage (inside a display and a session bus; scripts/bench-app does that):
    bench-app.py APP BARE [SECONDS]
Starts each binary in turn with a fresh HOME, lets it settle (first scan, web view loaded),
then measures for SECONDS (default 60): the app process's CPU time (utime + stime from
/proc/PID/stat), its PSS and private memory (smaps_rollup), and its web view processes'
(WebKitWebProcess, WebKitNetworkProcess: its descendants) PSS, reported separately.
Prints a Markdown table for BENCHMARKS.md.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SETTLE = 20
TICK = os.sysconf("SC_CLK_TCK")


def cpu_ms(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / TICK


def rollup(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        k, v = line.split(":", 1)
        out[k] = int(v.split()[0])
    return out


def descendants(pid: int) -> list[int]:
    kids = {}
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                ppid = int((p / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            kids.setdefault(ppid, []).append(int(p.name))
    out, todo = [], [pid]
    while todo:
        for c in kids.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def measure(binary: str, seconds: int) -> dict:
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if k not in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME")}
        env["HOME"] = home
        p = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(SETTLE)
            assert p.poll() is None, f"{binary} exited"
            c0, t0 = cpu_ms(p.pid), time.monotonic()
            time.sleep(seconds)
            c1, t1 = cpu_ms(p.pid), time.monotonic()
            r = rollup(p.pid)
            web = sum(rollup(c)["Pss"] for c in descendants(p.pid) if Path(f"/proc/{c}/smaps_rollup").exists())
            return {
                "cpu_ms_per_min": (c1 - c0) * 60 / (t1 - t0),
                "pss_kib": r["Pss"],
                "private_kib": r["Private_Clean"] + r["Private_Dirty"],
                "private_dirty_kib": r["Private_Dirty"],
                "web_pss_kib": web,
            }
        finally:
            p.terminate()
            p.wait(timeout=30)


def main() -> None:
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    app, bare = sys.argv[1], sys.argv[2]
    seconds = int(sys.argv[3]) if len(sys.argv) == 4 else 60
    a, b = measure(app, seconds), measure(bare, seconds)
    mib = lambda k: f"{k / 1024:.1f} MiB"  # noqa: E731
    print(f"| measure (idle, {seconds} s after {SETTLE} s settling) | gowarden-app | bare Tauri tray app | ratio |")
    print("|---|---|---|---|")
    print(f"| app process CPU | {a['cpu_ms_per_min']:.0f} ms/min | {b['cpu_ms_per_min']:.0f} ms/min | |")
    for key, name in (("pss_kib", "app process PSS"), ("private_kib", "app process private (clean + dirty)"),
                      ("private_dirty_kib", "app process private dirty")):
        print(f"| {name} | {mib(a[key])} | {mib(b[key])} | {a[key] / b[key]:.2f}× |")
    print(f"| web view processes PSS (separately) | {mib(a['web_pss_kib'])} | {mib(b['web_pss_kib'])} | |")


if __name__ == "__main__":
    main()
