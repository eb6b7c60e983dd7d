// Every call to the app's backend, in one place: the commands and events of the IPC contract
// (issue 12), typed with the types generated from the Rust side's schemas.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { getCurrentWindow } from "@tauri-apps/api/window";
import type { Report } from "./generated/report";
import type { DriftEvent, IpcError, RepairOutcome, Settings } from "./generated/ipc";

export type { Report, DriftEvent, IpcError, RepairOutcome, Settings };

/** The report, or null while the first scan runs. */
export function getReport(): Promise<Report | null> {
  return call("get_report");
}

/** Scans again now. */
export function rescan(): Promise<Report> {
  return call("rescan");
}

/** Repairs a finding by its id; for a relink, `target` is the chosen candidate's `target`. */
export function repair(id: string, target?: string): Promise<RepairOutcome> {
  return call("repair", target === undefined ? { id } : { id, target });
}

/** Undoes a repair transaction (the latest when no id is given). */
export function undo(id?: string): Promise<RepairOutcome> {
  return call("undo", id === undefined ? {} : { id });
}

/** The drift journal, newest first. */
export function getHistory(limit: number): Promise<DriftEvent[]> {
  return call("get_history", { limit });
}

export function getSettings(): Promise<Settings> {
  return call("get_settings");
}

export function setSettings(settings: Settings): Promise<Settings> {
  return call("set_settings", { settings });
}

/** Puts the popover away (Escape), as a click elsewhere does; the app keeps running. */
export function hidePopover(): Promise<void> {
  // In a promise: getCurrentWindow() throws outside Tauri, and callers only catch rejections.
  return Promise.resolve().then(() => getCurrentWindow().hide());
}

/** A new report, pushed by the backend after every scan. */
export function onReportUpdated(handler: (report: Report) => void): Promise<UnlistenFn> {
  return listen<Report>("report-updated", (e) => handler(e.payload));
}

/** A change to the toolchain, as the watcher saw it (or a repair/undo). */
export function onDrift(handler: (event: DriftEvent) => void): Promise<UnlistenFn> {
  return listen<DriftEvent>("drift", (e) => handler(e.payload));
}

/** A failed command, as the UI shows it: the backend's typed error, or anything else thrown
 * on the way (a missing backend, a bug) as an `internal` one. */
export class CommandError extends Error {
  readonly error: IpcError;
  constructor(error: IpcError) {
    super(error.message);
    this.name = "CommandError";
    this.error = error;
  }
}

/** What a rejected invoke carried, as an IpcError. */
export function toIpcError(raw: unknown): IpcError {
  if (raw instanceof CommandError) return raw.error;
  if (isIpcError(raw)) return raw;
  if (raw instanceof Error) return { kind: "internal", message: raw.message, reason: null };
  if (typeof raw === "string") return { kind: "internal", message: raw, reason: null };
  return { kind: "internal", message: "the app did not answer", reason: null };
}

function isIpcError(v: unknown): v is IpcError {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as IpcError).kind === "string" &&
    typeof (v as IpcError).message === "string"
  );
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (raw) {
    throw new CommandError(toIpcError(raw));
  }
}
