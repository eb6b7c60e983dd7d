// The backend, mocked for the browser tests (`vite build --mode mock`): only this build imports
// it. A test describes the machine before the page loads, as `window.__GOWARDEN_MOCK__`, with
// reports and outcomes the real engine produced (tests/ui/fixtures.py), and drives the
// backend's side through `window.__gowardenMock`: the calls the UI made, `emit` for the events
// the backend pushes, and `release` for a command the test holds open.

import { mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import type { Report } from "./generated/report";
import type { DriftEvent, IpcError, RepairOutcome, Settings } from "./generated/ipc";

/** What one repair or undo does: its answer, then the events the backend pushes. */
export interface MockStep {
  outcome?: RepairOutcome;
  error?: IpcError;
  /** Pushed as `report-updated` after the answer (the rescan of the repaired machine). */
  report?: Report;
  /** Pushed as `drift` after the answer. */
  event?: DriftEvent;
  /** Answer only when the test calls `__gowardenMock.release(cmd)`. */
  hold?: boolean;
}

export interface MockScenario {
  /** `get_report`'s answer: null while the first scan runs. */
  report: Report | null;
  reportError?: IpcError;
  /** `rescan`'s answer (the same report when absent). */
  rescan?: Report;
  rescanError?: IpcError;
  holdRescan?: boolean;
  history?: DriftEvent[];
  settings?: Settings;
  settingsError?: IpcError;
  /** By finding id. */
  repairs?: Record<string, MockStep>;
  /** By transaction id. */
  undos?: Record<string, MockStep>;
}

export interface MockControl {
  calls: { cmd: string; args: unknown }[];
  emit(event: string, payload: unknown): Promise<void>;
  /** Lets a held command answer. */
  release(cmd: string): void;
  /** Whether a command is being held (it was called and has not answered). */
  holding(cmd: string): boolean;
}

declare global {
  interface Window {
    __GOWARDEN_MOCK__?: MockScenario;
    __gowardenMock?: MockControl;
  }
}

const DEFAULT_SETTINGS: Settings = { notifications: {}, rescan_interval_secs: 300, launch_at_login: false };

export function installMocks(): void {
  const scenario: MockScenario = window.__GOWARDEN_MOCK__ ?? { report: null };
  let settings = scenario.settings ?? DEFAULT_SETTINGS;
  const held = new Map<string, () => void>();
  const hold = (cmd: string) => new Promise<void>((resolve) => held.set(cmd, resolve));

  const control: MockControl = {
    calls: [],
    emit: (event, payload) => emit(event, payload),
    release(cmd) {
      const resolve = held.get(cmd);
      held.delete(cmd);
      resolve?.();
    },
    holding: (cmd) => held.has(cmd),
  };
  window.__gowardenMock = control;

  async function step(cmd: string, s: MockStep | undefined, what: string): Promise<RepairOutcome> {
    if (!s) throw { kind: "not-found", message: `no such ${what}`, reason: null } satisfies IpcError;
    if (s.hold) await hold(cmd);
    if (s.error) throw s.error;
    // The backend answers, then rescans and pushes what changed.
    setTimeout(() => {
      void (async () => {
        if (s.event) await emit("drift", s.event);
        if (s.report) await emit("report-updated", s.report);
      })();
    }, 0);
    return s.outcome!;
  }

  mockWindows("main");
  mockIPC(
    async (cmd, args) => {
      control.calls.push({ cmd, args });
      const a = (args ?? {}) as Record<string, unknown>;
      switch (cmd) {
        case "get_report":
          if (scenario.reportError) throw scenario.reportError;
          return scenario.report;
        case "rescan":
          if (scenario.holdRescan) await hold(cmd);
          if (scenario.rescanError) throw scenario.rescanError;
          return scenario.rescan ?? scenario.report;
        case "repair":
          return step(cmd, scenario.repairs?.[a.id as string], "finding");
        case "undo":
          return step(cmd, scenario.undos?.[(a.id as string | undefined) ?? ""], "repair");
        case "get_history":
          return (scenario.history ?? []).slice(0, a.limit as number);
        case "get_settings":
          if (scenario.settingsError) throw scenario.settingsError;
          return settings;
        case "set_settings":
          settings = a.settings as Settings;
          return settings;
        case "plugin:window|hide":
          return null;
        default:
          throw { kind: "internal", message: `unknown command ${cmd}`, reason: null } satisfies IpcError;
      }
    },
    { shouldMockEvents: true },
  );
}
