import { describe, expect, test } from "vitest";
import { docLabel, driftLine, duration, middleTruncate, relativeTime, runsBadge, shellCommand, splitPath } from "./format";

const NOW = Date.parse("2026-11-29T12:00:00Z");

describe("relativeTime", () => {
  test.each([
    ["2026-11-29T12:00:00Z", "just now"],
    ["2026-11-29T11:59:20Z", "just now"],
    ["2026-11-29T11:59:00Z", "1 min ago"],
    ["2026-11-29T11:55:00Z", "5 min ago"],
    ["2026-11-29T11:00:30Z", "59 min ago"],
    ["2026-11-29T10:00:00Z", "2 h ago"],
    ["2026-11-28T12:00:01Z", "23 h ago"],
    ["2026-11-27T12:00:00Z", "2 d ago"],
    ["2026-09-01T08:00:00Z", "2026-09-01"],
  ])("%s reads %s", (at, words) => {
    expect(relativeTime(at, NOW)).toBe(words);
  });

  test("a time in the future (clock skew) is just now", () => {
    expect(relativeTime("2026-11-29T12:05:00Z", NOW)).toBe("just now");
  });

  test("takes dates and milliseconds too", () => {
    expect(relativeTime(new Date(NOW - 3 * 3600_000), new Date(NOW))).toBe("3 h ago");
    expect(relativeTime(NOW - 120_000, NOW)).toBe("2 min ago");
  });

  test("garbage is said, not shown as NaN", () => {
    expect(relativeTime("yesterday-ish", NOW)).toBe("at an unknown time");
  });
});

describe("middleTruncate", () => {
  test("short text is untouched", () => {
    expect(middleTruncate("/opt/homebrew/bin/go", 40)).toBe("/opt/homebrew/bin/go");
  });

  test("long paths keep their start and their file name", () => {
    const p = "/Users/someone/.local/share/mise/installs/go/1.23.4/bin/go";
    const t = middleTruncate(p, 30);
    expect(Array.from(t).length).toBeLessThanOrEqual(30);
    expect(t.startsWith("/Users/")).toBe(true);
    expect(t.endsWith("/bin/go")).toBe(true);
    expect(t).toContain("…");
  });

  test("the tail starts at a separator when one is near", () => {
    const t = middleTruncate("/opt/homebrew/Cellar/go/1.23.4/libexec/bin/go", 24);
    const tail = t.slice(t.indexOf("…") + 1);
    expect(tail.startsWith("/")).toBe(true);
  });

  test("exact length and tiny limits", () => {
    expect(middleTruncate("abcdef", 6)).toBe("abcdef");
    expect(middleTruncate("abcdef", 5)).toHaveLength(5);
    expect(middleTruncate("abcdef", 1)).toBe("…");
  });

  test("counts characters, not UTF-16 units", () => {
    const t = middleTruncate("/home/zoë/🐹/go/bin/go/and/more", 12);
    expect(Array.from(t).length).toBeLessThanOrEqual(12);
  });
});

describe("splitPath", () => {
  test("a short path is all tail: nothing to cut", () => {
    expect(splitPath("/usr/local/go/bin/go")).toEqual({ head: "", tail: "/usr/local/go/bin/go" });
  });

  test("the tail is whole components, the head the rest, together the path", () => {
    const p = "/opt/homebrew/Cellar/go/1.23.4/libexec/bin/go";
    const { head, tail } = splitPath(p, 20);
    expect(head + tail).toBe(p);
    expect(tail.startsWith("/")).toBe(true);
    expect(tail.length).toBeLessThanOrEqual(20);
    expect(tail.endsWith("/bin/go")).toBe(true);
  });

  test("a file name longer than the tail stays whole", () => {
    const p = "/tmp/a-very-long-directory-name/an-even-longer-file-name-that-goes-on.txt";
    const { head, tail } = splitPath(p, 10);
    expect(tail).toBe("/an-even-longer-file-name-that-goes-on.txt");
    expect(head).toBe("/tmp/a-very-long-directory-name");
  });
});

describe("runsBadge", () => {
  test("native, Rosetta, emulated, cannot run", () => {
    expect(runsBadge({ how: "native" })).toMatchObject({ label: "native", tone: "ok" });
    expect(runsBadge({ how: "translated", by: "Rosetta 2" })).toMatchObject({ label: "Rosetta", tone: "warn" });
    expect(runsBadge({ how: "translated", by: "/usr/libexec/qemu-binfmt/aarch64-binfmt-P" })).toMatchObject({
      label: "emulated",
      tone: "warn",
    });
    const no = runsBadge({ how: "no", reason: "cannot run on this darwin/arm64 machine" });
    expect(no).toMatchObject({ label: "cannot run", tone: "bad" });
    expect(no.title).toBe("cannot run on this darwin/arm64 machine");
  });
});

describe("shellCommand", () => {
  test("plain words stay plain", () => {
    expect(shellCommand(["brew", "reinstall", "go"])).toBe("brew reinstall go");
    expect(shellCommand(["softwareupdate", "--install-rosetta", "--agree-to-license"])).toBe(
      "softwareupdate --install-rosetta --agree-to-license",
    );
  });

  test("spaces, quotes and empty words are quoted so a shell reads them back", () => {
    expect(shellCommand(["ln", "-sfn", "/Applications/My Go/bin/go", "it's"])).toBe(
      `ln -sfn '/Applications/My Go/bin/go' 'it'\\''s'`,
    );
    expect(shellCommand(["echo", ""])).toBe("echo ''");
    expect(shellCommand(["echo", "$HOME"])).toBe("echo '$HOME'");
  });
});

describe("docLabel", () => {
  test("drops code ticks and the closing full stop", () => {
    expect(docLabel("A different `go` now runs.")).toBe("A different go now runs");
    expect(docLabel("No errors or warnings.")).toBe("No errors or warnings");
  });

  test("a value without a doc comment falls back to its name", () => {
    expect(docLabel("", "link-broken")).toBe("link-broken");
    expect(docLabel(undefined, "link-broken")).toBe("link-broken");
  });
});

describe("driftLine", () => {
  test("before → after · subject · when", () => {
    const line = driftLine(
      {
        at: "2026-11-29T10:00:00Z",
        kind: "version-changed",
        subject: "/opt/homebrew/bin/go",
        before: "go1.23.3",
        after: "go1.23.4",
        message: "/opt/homebrew/bin/go is now go1.23.4 (was go1.23.3)",
      },
      NOW,
    );
    expect(line).toEqual({ change: "go1.23.3 → go1.23.4", subject: "/opt/homebrew/bin/go", when: "2 h ago" });
  });

  test("an appearance, a disappearance, and a change with no values", () => {
    const base = { at: "2026-11-29T12:00:00Z", subject: "/usr/local/go", message: "a new installation" } as const;
    expect(driftLine({ ...base, kind: "installation-added", before: null, after: "go1.24.0" }, NOW).change).toBe("→ go1.24.0");
    expect(driftLine({ ...base, kind: "installation-removed", before: "go1.22.0", after: null }, NOW).change).toBe("go1.22.0 → gone");
    expect(driftLine({ ...base, kind: "finding-opened", before: null, after: null }, NOW).change).toBe("a new installation");
  });
});

describe("duration", () => {
  test.each([
    [30, "30 s"],
    [60, "1 min"],
    [300, "5 min"],
    [3600, "1 h"],
    [5400, "1 h 30 min"],
  ])("%i s reads %s", (secs, words) => {
    expect(duration(secs)).toBe(words);
  });
});
