// Formatting: pure functions from the engine's facts to words on screen. Nothing here judges
// a toolchain; it only says what the report already says, shorter.

import type { Runs } from "./generated/report";
import type { DriftEvent } from "./generated/ipc";

/** "just now", "5 min ago", "2 h ago", "3 d ago"; a date beyond a month. Future times (a
 * clock skew) read as "just now". */
export function relativeTime(at: Date | string | number, now: Date | number): string {
  const then = at instanceof Date ? at.getTime() : typeof at === "number" ? at : Date.parse(at);
  const nowMs = now instanceof Date ? now.getTime() : now;
  if (Number.isNaN(then)) return "at an unknown time";
  const secs = Math.floor((nowMs - then) / 1000);
  if (secs < 45) return "just now";
  const mins = Math.floor(secs / 60);
  if (mins < 60) return `${mins} min ago`;
  const hours = Math.floor(mins / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  if (days < 31) return `${days} d ago`;
  return new Date(then).toISOString().slice(0, 10);
}

/** Shortens `text` to at most `max` characters by cutting its middle, keeping the end (a
 * path's file name) whole when it can, and cutting at a `/` when one is near. */
export function middleTruncate(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  if (max <= 1) return "…";
  const room = max - 1;
  // The end says what the path is; the start says where. Favour the end.
  let tail = Math.ceil(room * 0.6);
  let head = room - tail;
  // Start the tail at a separator when one is within a few characters, so no component is
  // cut in two at that side.
  const tailStart = chars.length - tail;
  for (let i = tailStart; i < Math.min(chars.length - 1, tailStart + 8); i++) {
    if (chars[i] === "/") {
      head += i - tailStart;
      tail -= i - tailStart;
      break;
    }
  }
  return chars.slice(0, head).join("") + "…" + chars.slice(chars.length - tail).join("");
}

/** Splits a path for CSS middle truncation: the head may be cut with an ellipsis where the
 * space runs out, the tail (the last components, up to `tailMax` characters, and at least the
 * file name) always shows. */
export function splitPath(path: string, tailMax = 24): { head: string; tail: string } {
  const chars = Array.from(path);
  if (chars.length <= tailMax) return { head: "", tail: path };
  // The tail starts at a separator: whole components only, as many as fit in tailMax.
  let start = -1;
  for (let i = chars.length - tailMax; i < chars.length; i++) {
    if (chars[i] === "/" && i > 0) {
      start = i;
      break;
    }
  }
  if (start === -1) {
    // The last component alone is longer than tailMax: keep it whole anyway.
    const slash = path.lastIndexOf("/");
    start = slash > 0 ? Array.from(path.slice(0, slash)).length : chars.length - tailMax;
  }
  return { head: chars.slice(0, start).join(""), tail: chars.slice(start).join("") };
}

/** What a binary's `runs` says, as a badge: its word and its tone. */
export interface Badge {
  label: string;
  tone: "ok" | "warn" | "bad";
  /** The whole sentence, for a tooltip and screen readers. */
  title: string;
}

export function runsBadge(runs: Runs): Badge {
  switch (runs.how) {
    case "native":
      return { label: "native", tone: "ok", title: "Runs natively on this machine" };
    case "translated": {
      const rosetta = /rosetta/i.test(runs.by);
      return {
        label: rosetta ? "Rosetta" : "emulated",
        tone: "warn",
        title: `Runs translated by ${runs.by}`,
      };
    }
    case "no":
      return { label: "cannot run", tone: "bad", title: runs.reason };
  }
}

/** The exact command for an argv, quoted the way a POSIX shell reads it back. */
export function shellCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(" ");
}

export function shellQuote(word: string): string {
  if (word !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A doc comment from the schema ("A different `go` now runs.") as a label: no code ticks,
 * no closing full stop. */
export function docLabel(description: string | undefined, fallback = ""): string {
  const label = (description ?? "").replace(/`/g, "").replace(/\.\s*$/, "").trim();
  return label || fallback;
}

/** One history line: "go1.23.3 → go1.23.4 · /opt/homebrew/bin/go · 2 h ago". */
export function driftLine(event: DriftEvent, now: Date | number): { change: string; subject: string; when: string } {
  let change: string;
  if (event.before != null && event.after != null) change = `${event.before} → ${event.after}`;
  else if (event.after != null) change = `→ ${event.after}`;
  else if (event.before != null) change = `${event.before} → gone`;
  else change = event.message;
  return { change, subject: event.subject, when: relativeTime(event.at, now) };
}

/** Seconds as the settings show an interval: "30 s", "5 min", "1 h", "1 h 30 min". */
export function duration(secs: number): string {
  if (secs < 60) return `${secs} s`;
  const mins = Math.round(secs / 60);
  if (mins < 60) return `${mins} min`;
  const h = Math.floor(mins / 60);
  const m = mins % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}
