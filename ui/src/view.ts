// View logic: what each part of the popover shows, from the report's own facts. Pure, so it
// is unit-tested without a browser. It re-derives nothing: severities, GOROOTs, reasons and
// sentences all come from the engine; this only picks and arranges them.

import type { Candidate, Finding, GoOnPath, Installation, Report, Status, Toolchain } from "./generated/report";
import {
  GorootSourceDescriptions,
  ModeDescriptions,
  SourceDescriptions,
  StatusDescriptions,
} from "./generated/enums";
import { docLabel, middleTruncate, shellCommand } from "./format";

export type Tone = "ok" | "warn" | "bad";

/** The overall state in words, with a tone and a glyph (so colour is not the only cue). */
export function statusView(status: Status): { word: string; tone: Tone; glyph: string; detail: string } {
  const detail = docLabel(StatusDescriptions[status]);
  switch (status) {
    case "ok":
      return { word: "OK", tone: "ok", glyph: "✓", detail };
    case "warning":
      return { word: "Warning", tone: "warn", glyph: "!", detail };
    case "broken":
      return { word: "Broken", tone: "bad", glyph: "✕", detail };
  }
}

export function severityTone(severity: Finding["severity"]): Tone {
  return severity === "error" ? "bad" : severity === "warning" ? "warn" : "ok";
}

/** What a finding offers the user. */
export type ActionView =
  | {
      kind: "repair";
      /** The button's words. */
      label: string;
      /** For a relink: the ranked candidates, best first; the first is the default. */
      candidates: Candidate[];
      /** What the repair will change, in words. */
      detail: string;
    }
  | { kind: "copy"; text: string; isCommand: boolean }
  | { kind: "none" };

/** Relinks and shell-file edits are what the engine repairs; every other action is a command
 * or instruction the user carries out, shown exactly with a Copy button. */
export function actionView(finding: Finding): ActionView {
  const a = finding.action;
  switch (a.kind) {
    case "relink":
      if (a.candidates.length === 0) return { kind: "copy", text: finding.fix, isCommand: false };
      return {
        kind: "repair",
        label: "Repair",
        candidates: a.candidates,
        detail: `Point ${a.link} at a healthy Go (it says ${a.current_target} today).`,
      };
    case "edit-shell-file":
      return {
        kind: "repair",
        label: "Repair",
        candidates: [],
        detail: `Comment out line ${a.line} of ${a.file}: ${a.text}`,
      };
    case "command":
      return { kind: "copy", text: shellCommand(a.argv), isCommand: true };
    case "install":
      return a.argv.length > 0
        ? { kind: "copy", text: shellCommand(a.argv), isCommand: true }
        : { kind: "copy", text: a.url ?? finding.fix, isCommand: false };
    case "unset-env":
    case "manual":
      return { kind: "copy", text: finding.fix, isCommand: false };
    case "none":
      return { kind: "none" };
  }
}

/** A candidate as a choice: "go1.23.2 · homebrew · arm64 · native"; with `where`, its Go root
 * too, middle-truncated (an option cannot truncate itself). */
export function candidateLabel(c: Candidate, where = false): string {
  const parts = [c.version ?? "unknown version", c.source, c.archs.join("+") || "unknown arch", c.native ? "native" : "not native"];
  if (where) parts.push(middleTruncate(c.goroot, 28));
  return parts.join(" · ");
}

/** The active go's GOROOT and why, as a sentence from the engine's rule and, when GOROOT comes
 * from the environment, the startup-file lines that set it. */
export function gorootWhy(active: GoOnPath, report: Report): string | null {
  if (!active.goroot_source) return null;
  let why = docLabel(GorootSourceDescriptions[active.goroot_source]);
  if (active.goroot_source === "env" && report.goroot_assignments.length > 0) {
    const where = report.goroot_assignments.map((a) => `${a.file} line ${a.line}`).join(", ");
    why += `, exported at ${where}`;
  }
  return why;
}

/** GOTOOLCHAIN in practice: the value and where it came from, what its mode does, and the
 * engine's reason for what runs here. A malformed setting is told in the engine's words: the
 * gotoolchain-invalid finding's message. */
export function toolchainView(
  t: Toolchain,
  findings: readonly Finding[] = [],
): { value: string; mode: string; reason: string; error: string | null } {
  const invalid = findings.find((f) => f.code === "gotoolchain-invalid");
  return {
    value: t.value,
    mode: docLabel(ModeDescriptions[t.mode]),
    reason: t.reason,
    error: t.error ? (invalid?.message ?? t.error.kind) : null,
  };
}

/** Installations with the active one marked: the tree the `go` you type lives in. */
export function installationsView(report: Report): { install: Installation; active: boolean; source: string }[] {
  const home = report.active?.home_goroot ?? report.active?.goroot ?? null;
  return report.installations.map((install) => ({
    install,
    active: home !== null && install.goroot === home,
    source: docLabel(SourceDescriptions[install.source]),
  }));
}

/** The tab labels, with counts where they help. */
export function findingsSummary(report: Report): string {
  const n = report.findings.length;
  if (n === 0) return "No problems found";
  const errors = report.findings.filter((f) => f.severity === "error").length;
  const warnings = report.findings.filter((f) => f.severity === "warning").length;
  const parts = [];
  if (errors) parts.push(`${errors} ${errors === 1 ? "error" : "errors"}`);
  if (warnings) parts.push(`${warnings} ${warnings === 1 ? "warning" : "warnings"}`);
  const infos = n - errors - warnings;
  if (infos) parts.push(`${infos} ${infos === 1 ? "note" : "notes"}`);
  return parts.join(", ");
}

/** The machine as a person knows it (`macOS 15.1 · Apple M3 Pro`), when the engine could tell. */
export function machineLine(report: Report): string | null {
  const parts = [report.host.os_version, report.host.chip].filter((p): p is string => !!p);
  return parts.length ? parts.join(" · ") : null;
}
