import { describe, expect, test } from "vitest";
import type { Finding, GoOnPath, Installation, Report } from "./generated/report";
import { actionView, candidateLabel, findingsSummary, gorootWhy, installationsView, machineLine, severityTone, statusView } from "./view";

// Minimal values of the generated types: the compiler checks them against the schema.
function finding(action: Finding["action"], over: Partial<Finding> = {}): Finding {
  return {
    id: "dangling-symlink:/opt/homebrew/bin/go",
    code: "dangling-symlink",
    severity: "error",
    message: "/opt/homebrew/bin/go points to …/1.22.3/bin/go, which does not exist",
    why: "typing `go` fails",
    fix: "ln -sfn ../Cellar/go/1.23.2/bin/go /opt/homebrew/bin/go   (or: brew reinstall go)",
    subjects: [],
    action,
    ...over,
  };
}

const candidate = (version: string, goroot: string) => ({
  target: `../Cellar/go/${version}/bin/go`,
  goroot,
  version: `go${version}`,
  archs: ["arm64"],
  source: "homebrew" as const,
  native: true,
});

describe("statusView", () => {
  test("each state has a word, a tone and a glyph, not colour alone", () => {
    expect(statusView("ok")).toMatchObject({ word: "OK", tone: "ok", glyph: "✓" });
    expect(statusView("warning")).toMatchObject({ word: "Warning", tone: "warn", glyph: "!" });
    expect(statusView("broken")).toMatchObject({ word: "Broken", tone: "bad", glyph: "✕" });
  });

  test("the detail is the schema's doc comment for the state", () => {
    expect(statusView("broken").detail).toBe("At least one error");
  });

  test("severity tones", () => {
    expect([severityTone("error"), severityTone("warning"), severityTone("info")]).toEqual(["bad", "warn", "ok"]);
  });
});

describe("actionView", () => {
  test("a relink is a Repair with its ranked candidates, best first", () => {
    const a = actionView(
      finding({
        kind: "relink",
        link: "/opt/homebrew/bin/go",
        link_kind: "go-binary",
        current_target: "../Cellar/go/1.22.3/bin/go",
        candidates: [candidate("1.23.2", "/opt/homebrew/Cellar/go/1.23.2/libexec"), candidate("1.22.10", "/opt/homebrew/Cellar/go/1.22.10/libexec")],
      }),
    );
    expect(a.kind).toBe("repair");
    if (a.kind !== "repair") return;
    expect(a.candidates.map((c) => c.version)).toEqual(["go1.23.2", "go1.22.10"]);
    expect(a.detail).toContain("../Cellar/go/1.22.3/bin/go");
  });

  test("a relink with no candidate left is the engine's fix to copy", () => {
    const f = finding({ kind: "relink", link: "/x", link_kind: "go-binary", current_target: "y", candidates: [] });
    expect(actionView(f)).toEqual({ kind: "copy", text: f.fix, isCommand: false });
  });

  test("a shell-file edit is a Repair naming the file and line", () => {
    const a = actionView(finding({ kind: "edit-shell-file", file: "/Users/me/.zshrc", line: 3, text: "export GOROOT=/usr/local/go" }));
    expect(a).toMatchObject({ kind: "repair", candidates: [] });
    if (a.kind === "repair") expect(a.detail).toBe("Comment out line 3 of /Users/me/.zshrc: export GOROOT=/usr/local/go");
  });

  test("a command is the exact command, quoted for a shell", () => {
    expect(actionView(finding({ kind: "command", argv: ["brew", "reinstall", "go"] }))).toEqual({
      kind: "copy",
      text: "brew reinstall go",
      isCommand: true,
    });
    expect(actionView(finding({ kind: "install", what: "rosetta", argv: ["softwareupdate", "--install-rosetta"], url: null }))).toEqual({
      kind: "copy",
      text: "softwareupdate --install-rosetta",
      isCommand: true,
    });
  });

  test("an install without a command points at its URL", () => {
    expect(actionView(finding({ kind: "install", what: "go", argv: [], url: "https://go.dev/dl/" }))).toEqual({
      kind: "copy",
      text: "https://go.dev/dl/",
      isCommand: false,
    });
  });

  test("unset-env and manual steps show the engine's own sentence", () => {
    const f = finding({ kind: "unset-env", var: "GOROOT", origin: "go-env-file" }, { fix: "go env -u GOROOT" });
    expect(actionView(f)).toEqual({ kind: "copy", text: "go env -u GOROOT", isCommand: false });
    const m = finding({ kind: "manual", steps: "add it to PATH" }, { fix: "add it to PATH" });
    expect(actionView(m)).toEqual({ kind: "copy", text: "add it to PATH", isCommand: false });
    expect(actionView(finding({ kind: "none" }))).toEqual({ kind: "none" });
  });

  test("candidate labels say version, source, arch and nativeness, and where when asked", () => {
    const c = candidate("1.23.2", "/opt/homebrew/Cellar/go/1.23.2/libexec");
    expect(candidateLabel(c)).toBe("go1.23.2 · homebrew · arm64 · native");
    expect(candidateLabel(c, true)).toMatch(/^go1\.23\.2 · homebrew · arm64 · native · .*libexec$/);
  });
});

const active: GoOnPath = {
  path: "/opt/homebrew/bin/go",
  path_index: 0,
  chain: [{ path: "/opt/homebrew/bin/go" }],
  format: "macho",
  archs: ["arm64"],
  runs: { how: "native" },
  source: "homebrew",
  why: "the first go on PATH",
  goroot: "/usr/local/go",
  goroot_source: "env",
  home_goroot: "/opt/homebrew/Cellar/go/1.23.2/libexec",
};

function report(over: Partial<Report>): Report {
  return { goroot_assignments: [], installations: [], findings: [], active, ...over } as Report;
}

describe("gorootWhy", () => {
  test("the rule's sentence, from the schema", () => {
    expect(gorootWhy({ ...active, goroot_source: "resolved-executable" }, report({}))).toBe(
      "Found above the executable's path after resolving symlinks",
    );
  });

  test("an environment GOROOT names the startup-file line that exports it", () => {
    const r = report({ goroot_assignments: [{ file: "/Users/me/.zshrc", line: 3, text: "export GOROOT=/usr/local/go" }] });
    expect(gorootWhy(active, r)).toBe("GOROOT in the environment, exported at /Users/me/.zshrc line 3");
  });

  test("no rule, no sentence", () => {
    expect(gorootWhy({ ...active, goroot_source: null }, report({}))).toBeNull();
  });
});

describe("installationsView", () => {
  const inst = (goroot: string, version: string): Installation => ({
    goroot,
    version,
    archs: ["arm64"],
    source: "homebrew",
    healthy: true,
    problems: [],
    on_path: true,
    runs: { how: "native" },
  });

  test("the active one is the tree the typed go lives in, even under a stale GOROOT", () => {
    const r = report({ installations: [inst("/usr/local/go", "go1.22.10"), inst("/opt/homebrew/Cellar/go/1.23.2/libexec", "go1.23.2")] });
    expect(installationsView(r).map((x) => x.active)).toEqual([false, true]);
    expect(installationsView(r)[1]!.source).toMatch(/^Homebrew/);
  });

  test("no go on PATH, nothing active", () => {
    const r = report({ active: null, installations: [inst("/usr/local/go", "go1.22.10")] });
    expect(installationsView(r).map((x) => x.active)).toEqual([false]);
  });
});

describe("findingsSummary", () => {
  test("counts by severity, in words", () => {
    expect(findingsSummary(report({}))).toBe("No problems found");
    const f = finding({ kind: "none" });
    expect(findingsSummary(report({ findings: [f, f, { ...f, severity: "warning" }] }))).toBe("2 errors, 1 warning");
    expect(findingsSummary(report({ findings: [{ ...f, severity: "info" }] }))).toBe("1 note");
  });
});

describe("machineLine", () => {
  const withHost = (host: Partial<Report["host"]>): Report =>
    ({ host: { os: "darwin", arch: "arm64", process_arch: "arm64", homebrew: [], ...host } }) as unknown as Report;
  test("the OS version and the chip, as the engine read them", () => {
    expect(machineLine(withHost({ os_version: "macOS 15.1", chip: "Apple M3 Pro" }))).toBe("macOS 15.1 · Apple M3 Pro");
    expect(machineLine(withHost({ os_version: "Debian GNU/Linux 12", chip: null }))).toBe("Debian GNU/Linux 12");
  });
  test("nothing when judging another machine (the engine leaves them out)", () => {
    expect(machineLine(withHost({}))).toBeNull();
  });
});
