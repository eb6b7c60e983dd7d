#!/usr/bin/env python3
"""Report fixtures for the UI's browser tests, produced by the real engine.

Builds scenario machines in temp dirs from the fixture cache, the way
crates/gowarden/tests/it/util.rs `Machine` does (a system root under GOWARDEN_ROOT, a home, a
working directory, an environment with nothing of the real one), and runs the `gowarden`
binary on them. Nothing here writes a report by hand: every report, repair outcome and drift
event is what the engine printed or journaled.

Usage: fixtures.py GOWARDEN_BINARY OUT_DIR
Writes OUT_DIR/<scenario>.json, one document per scenario (see `SCENARIOS`).

The machines are built under one fixed, short directory (MACHINES, removed afterwards) so the
paths in reports, and so the screenshots, read the same on every run; a lock keeps two runs on
one machine from sharing it.
"""

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def fixture_cache() -> Path:
    root = Path(os.environ.get("GOWARDEN_FIXTURES") or Path.home() / ".cache/gowarden/fixtures")
    if not (root / "MANIFEST.json").is_file():
        sys.exit(f"fixtures.py: fixture cache {root} is missing: run scripts/fetch-fixtures")
    return root


class Machine:
    """A fake machine in a temp dir (mirrors util.rs `Machine`)."""

    def __init__(self, binary: Path, top: Path, name: str, host: str):
        self.binary = binary
        self.dir = top / name
        self.host = host
        self.path_entries: list[str] = []
        self.env: dict[str, str] = {}
        for d in ("root", "home", "work"):
            (self.dir / d).mkdir(parents=True)
        if host.startswith("darwin/"):
            # A Mac set up for development: Command Line Tools installed and selected.
            clt = self.sys("/Library/Developer/CommandLineTools")
            self.write(clt / "usr/bin/xcrun", "")
            self.link("/Library/Developer/CommandLineTools", self.sys("/var/db/xcode_select_link"))

    def sys(self, abs_path: str) -> Path:
        return self.dir / "root" / abs_path.lstrip("/")

    def home(self, rel: str = "") -> Path:
        return self.dir / "home" / rel

    def with_rosetta(self) -> "Machine":
        self.write(self.sys("/Library/Apple/usr/share/rosetta/rosetta"), "")
        return self

    def write(self, path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() or path.is_symlink():
            path.unlink()  # never write through a hard link into the fixture cache
        path.write_text(text)

    def link(self, target, link: Path) -> None:
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, link)

    def install(self, fixture: str, dest: Path) -> Path:
        """A fixture Go tree at `dest`, by hard links (copies across filesystems)."""
        copy_tree(fixture_cache() / fixture / "go", dest)
        return dest

    def homebrew_keg(self, prefix: str, fixture: str, version: str) -> Path:
        """A Homebrew keg, not linked into <prefix>/bin. Returns its GOROOT (libexec)."""
        keg = self.sys(f"{prefix}/Cellar/go/{version}")
        self.install(fixture, keg / "libexec")
        self.link("../libexec/bin/go", keg / "bin/go")
        self.link("../libexec/bin/gofmt", keg / "bin/gofmt")
        return keg / "libexec"

    def homebrew(self, prefix: str, fixture: str, version: str) -> Path:
        """A keg linked the way `brew` links it: <prefix>/bin/go → ../Cellar/go/V/bin/go."""
        goroot = self.homebrew_keg(prefix, fixture, version)
        self.link(f"../Cellar/go/{version}/bin/go", self.sys(f"{prefix}/bin/go"))
        return goroot

    def path(self, entry: Path) -> "Machine":
        entry.mkdir(parents=True, exist_ok=True)
        self.path_entries.append(str(entry))
        return self

    def run(self, *args: str) -> subprocess.CompletedProcess:
        env = {
            "PATH": os.pathsep.join(self.path_entries),
            "HOME": str(self.home()),
            "GOWARDEN_ROOT": str(self.dir / "root"),
            "GOWARDEN_HOST": self.host,
            **self.env,
        }
        out = subprocess.run(
            [str(self.binary), *args],
            env=env,  # no SHELL, nothing of the real environment
            cwd=self.dir / "work",
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if "panicked" in out.stderr:
            sys.exit(f"fixtures.py: gowarden {' '.join(args)} panicked:\n{out.stderr}")
        return out

    def doctor(self) -> dict:
        out = self.run("doctor", "--json")
        if out.returncode not in (0, 1):
            sys.exit(f"fixtures.py: doctor failed ({out.returncode}):\n{out.stderr}")
        return json.loads(out.stdout)


def copy_tree(src: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for entry in src.iterdir():
        to = dest / entry.name
        if entry.is_symlink():
            os.symlink(os.readlink(entry), to)
        elif entry.is_dir():
            copy_tree(entry, to)
        else:
            try:
                os.link(entry, to)
            except OSError:
                shutil.copy2(entry, to)


def refused_outcome(cli: dict) -> dict:
    """A refused `gowarden repair --json` as a `RepairOutcome` with its status (the app may
    also reject with an `IpcError`; the UI shows both the same way)."""
    return {
        "transaction": "",
        "kind": "repair",
        "finding": None,
        "status": cli["status"],
        "message": cli["message"],
        "edits": [],
        "undoable": False,
        "warning": None,
    }


def history(m: "Machine") -> list[dict]:
    """`gowarden history --json` (the repairs and undos from the journal), newest first as the
    app's `get_history` returns it."""
    out = m.run("history", "--json")
    if out.returncode != 0:
        sys.exit(f"fixtures.py: gowarden history failed:\n{out.stderr}")
    return [json.loads(line) for line in out.stdout.splitlines()][::-1]


def cli_json(m: Machine, *args: str, expect: int) -> dict:
    out = m.run(*args)
    if out.returncode != expect:
        sys.exit(f"fixtures.py: gowarden {' '.join(args)} exited {out.returncode}, not {expect}:\n"
                 f"{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout)


def healthy(binary: Path, top: Path) -> dict:
    m = Machine(binary, top, "healthy", "darwin/arm64")
    m.homebrew("/opt/homebrew", "go1.23.2-darwin-arm64", "1.23.2")
    m.path(m.sys("/opt/homebrew/bin")).path(m.sys("/usr/bin"))
    return {"report": m.doctor()}


def homebrew_dangling(binary: Path, top: Path) -> dict:
    """`brew upgrade` then `brew cleanup`: bin/go still names the removed 1.22.3 keg; only
    1.23.2 is installed. Repaired for real, then undone for real, scanning after each."""
    m = Machine(binary, top, "homebrew-dangling", "darwin/arm64")
    m.homebrew_keg("/opt/homebrew", "go1.23.2-darwin-arm64", "1.23.2")
    bin_dir = m.sys("/opt/homebrew/bin")
    m.link("../Cellar/go/1.22.3/bin/go", bin_dir / "go")
    m.link("../Cellar/go/1.22.3/bin/gofmt", bin_dir / "gofmt")
    m.path(bin_dir).path(m.sys("/usr/bin"))
    before = m.doctor()
    finding = next(f for f in before["findings"] if f["action"]["kind"] == "relink")

    # A repair the engine refuses: a target that is none of the finding's candidates.
    bogus = str(m.sys("/usr/local/go"))
    refused_cli = cli_json(m, "repair", finding["id"], "--to", bogus, "--yes", "--json", expect=1)

    repair_cli = cli_json(m, "repair", finding["id"], "--yes", "--json", expect=0)
    repaired = m.doctor()
    undo_cli = cli_json(m, "undo", "--json", expect=0)
    undone = m.doctor()
    events = history(m)
    return {
        "report": before,
        "finding": finding["id"],
        "repair": repair_cli["outcome"],
        "repaired": repaired,
        "undo": undo_cli["outcome"],
        "undone": undone,
        "refused": {**refused_outcome(refused_cli), "finding": finding["id"]},
        "refused_reason": refused_cli["reason"],
        "history": events,
        "repair_event": next(e for e in events if e["kind"] == "repaired"),
    }


def usr_local_two_candidates(binary: Path, top: Path) -> dict:
    """`/usr/local/go -> go1.22.0`, removed; go1.23.2 and go1.22.10 unpacked beside it. The
    user picks the second-ranked candidate (the older tree), repaired for real with `--to`."""
    m = Machine(binary, top, "usr-local-go", "darwin/arm64")
    m.install("go1.23.2-darwin-arm64", m.sys("/usr/local/go1.23.2"))
    older = m.install("go1.22.10-darwin-arm64", m.sys("/usr/local/go1.22.10"))
    m.link("go1.22.0", m.sys("/usr/local/go"))
    m.path_entries.append(str(m.sys("/usr/local/go/bin")))  # as is: it does not resolve
    m.path(m.sys("/usr/bin"))
    before = m.doctor()
    finding = next(f for f in before["findings"] if f["action"]["kind"] == "relink")
    chosen = next(c for c in finding["action"]["candidates"] if c["goroot"] == str(older))
    repair_cli = cli_json(m, "repair", finding["id"], "--to", str(older), "--yes", "--json", expect=0)
    return {
        "report": before,
        "finding": finding["id"],
        "target": chosen["target"],
        "repair": repair_cli["outcome"],
        "repaired": m.doctor(),
    }


def intel_on_arm64(binary: Path, top: Path) -> dict:
    m = Machine(binary, top, "intel-on-arm64", "darwin/arm64").with_rosetta()
    m.install("go1.23.2-darwin-amd64", m.sys("/usr/local/go"))
    m.path(m.sys("/usr/local/go/bin"))
    return {"report": m.doctor()}


def stale_goroot(binary: Path, top: Path) -> dict:
    """Homebrew's go1.23.2 runs, but ~/.zshrc exports GOROOT at an older tree."""
    m = Machine(binary, top, "stale-goroot", "darwin/arm64")
    m.homebrew("/opt/homebrew", "go1.23.2-darwin-arm64", "1.23.2")
    old = m.install("go1.22.10-darwin-arm64", m.sys("/usr/local/go"))
    m.path(m.sys("/opt/homebrew/bin")).path(m.sys("/usr/bin"))
    m.write(m.home(".zshrc"), f"# my zshrc\nalias ll='ls -l'\nexport GOROOT={old}\n")
    m.env["GOROOT"] = str(old)
    return {"report": m.doctor()}


def scan_failure(binary: Path, top: Path) -> dict:
    """The engine refusing to scan (a malformed host override): its exit status and words."""
    m = Machine(binary, top, "scan-failure", "darwin")
    out = m.run("doctor", "--json")
    if out.returncode != 2:
        sys.exit(f"fixtures.py: expected a scan failure (2), got {out.returncode}")
    message = out.stderr.strip().removeprefix("gowarden: ")
    return {"error": {"kind": "scan-failed", "message": message, "reason": None}}


SCENARIOS = {
    "healthy": healthy,
    "homebrew-dangling": homebrew_dangling,
    "usr-local-go": usr_local_two_candidates,
    "intel-on-arm64": intel_on_arm64,
    "stale-goroot": stale_goroot,
    "scan-failure": scan_failure,
}


MACHINES = Path(tempfile.gettempdir()) / "gowarden-ui"


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    binary = Path(sys.argv[1]).resolve()
    out_dir = Path(sys.argv[2])
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(f"{MACHINES}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        shutil.rmtree(MACHINES, ignore_errors=True)
        try:
            for name, build in SCENARIOS.items():
                doc = build(binary, MACHINES)
                (out_dir / f"{name}.json").write_text(json.dumps(doc, indent=2) + "\n")
                print(f"fixtures.py: {name}", file=sys.stderr)
        finally:
            shutil.rmtree(MACHINES, ignore_errors=True)


if __name__ == "__main__":
    main()
