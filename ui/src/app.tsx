// The popover: a header with the overall state and Rescan, and four tabs. All state that comes
// from the backend arrives through ./ipc; everything shown is the engine's report.

import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import * as ipc from "./ipc";
import type { DriftEvent, IpcError, Report, Settings } from "./ipc";
import { announce, setAnnouncer } from "./announce";
import { relativeTime } from "./format";
import { findingsSummary, statusView } from "./view";
import { StatusPanel, type Pending, type RecentRepair } from "./components/status";
import { HistoryPanel, InstallationsPanel, SettingsPanel, eventKey } from "./components/panels";

const TABS = ["status", "installations", "history", "settings"] as const;
type Tab = (typeof TABS)[number];
const TAB_LABEL: Record<Tab, string> = { status: "Status", installations: "Installations", history: "History", settings: "Settings" };
const HISTORY_LIMIT = 50;

export function App() {
  const [report, setReport] = useState<Report | null>(null);
  const [reportAt, setReportAt] = useState<number | null>(null);
  const [loadError, setLoadError] = useState<IpcError | null>(null);
  const [scanning, setScanning] = useState(false);
  const [scanError, setScanError] = useState<IpcError | null>(null);
  const [history, setHistory] = useState<DriftEvent[] | null>(null);
  const [historyError, setHistoryError] = useState<string | null>(null);
  const [unseen, setUnseen] = useState(0);
  const [settings, setSettingsState] = useState<Settings | null>(null);
  const [settingsError, setSettingsError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [repairs, setRepairs] = useState<Record<string, Pending>>({});
  const [recent, setRecent] = useState<RecentRepair[]>([]);
  const [tab, setTab] = useState<Tab>("status");
  const [now, setNow] = useState(() => Date.now());
  // How many reports have arrived: lets tests (and nothing else) wait for an update.
  const [scans, setScans] = useState(0);
  // A repair just done: its Undo button takes the focus its finding's Repair button had.
  const [focusUndo, setFocusUndo] = useState<string | null>(null);
  const tabRef = useRef<Tab>(tab);
  tabRef.current = tab;

  const receive = useCallback((r: Report) => {
    setReport(r);
    setScans((n) => n + 1);
    setReportAt(Date.now());
    setNow(Date.now());
    setLoadError(null);
  }, []);

  // Subscribe first, then ask: a report pushed in between is not lost.
  useEffect(() => {
    let alive = true;
    const unlisten: Promise<() => void>[] = [
      ipc.onReportUpdated((r) => alive && receive(r)),
      ipc.onDrift((e) => {
        if (!alive) return;
        setHistory((h) => [e, ...(h ?? []).filter((x) => eventKey(x) !== eventKey(e))]);
        if (tabRef.current !== "history") setUnseen((n) => n + 1);
        announce(e.message);
      }),
    ];
    ipc
      .getReport()
      .then((r) => {
        if (!alive || !r) return;
        setReport((cur) => cur ?? r);
        setReportAt((at) => at ?? Date.now());
        setScans((n) => n + 1);
      })
      .catch((e: unknown) => alive && setLoadError(ipc.toIpcError(e)));
    ipc
      .getHistory(HISTORY_LIMIT)
      .then((h) => alive && setHistory((cur) => mergeHistory(h, cur)))
      .catch((e: unknown) => alive && setHistoryError(ipc.toIpcError(e).message));
    ipc
      .getSettings()
      .then((s) => alive && setSettingsState(s))
      .catch((e: unknown) => alive && setSettingsError(ipc.toIpcError(e).message));
    // "2 min ago" moves on; a slow tick, nothing else runs on a timer.
    const tick = window.setInterval(() => setNow(Date.now()), 30_000);
    // Escape puts the popover away, as on any popover; not while an input method composes,
    // nor when a control already used the key.
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !e.defaultPrevented && !e.isComposing) void ipc.hidePopover().catch(() => {});
    };
    window.addEventListener("keydown", onKey);
    return () => {
      alive = false;
      window.clearInterval(tick);
      window.removeEventListener("keydown", onKey);
      for (const u of unlisten) void u.then((f) => f());
    };
  }, [receive]);

  const onRescan = async () => {
    setScanning(true);
    setScanError(null);
    try {
      receive(await ipc.rescan());
      announce("Scan finished");
    } catch (e) {
      const err = ipc.toIpcError(e);
      if (report) setScanError(err);
      else setLoadError(err);
    } finally {
      setScanning(false);
    }
  };

  const onRepair = async (id: string, target?: string) => {
    setRepairs((r) => ({ ...r, [id]: { phase: "pending" } }));
    try {
      const outcome = await ipc.repair(id, target);
      if (outcome.status === "done" || outcome.status === "dry-run") {
        setRecent((list) => [{ outcome }, ...list.filter((x) => x.outcome.transaction !== outcome.transaction)]);
        setRepairs(({ [id]: _, ...rest }) => rest);
        setFocusUndo(outcome.transaction);
        announce(outcome.message);
      } else {
        setRepairs((r) => ({ ...r, [id]: { phase: "failed", message: outcome.message, reason: outcome.status } }));
      }
    } catch (e) {
      const err = ipc.toIpcError(e);
      setRepairs((r) => ({ ...r, [id]: { phase: "failed", message: err.message, reason: err.reason ?? err.kind } }));
    }
  };

  const onUndo = async (transaction: string) => {
    const update = (f: (r: RecentRepair) => RecentRepair) =>
      setRecent((list) => list.map((r) => (r.outcome.transaction === transaction ? f(r) : r)));
    update((r) => ({ ...r, undo: { phase: "pending" } }));
    try {
      const outcome = await ipc.undo(transaction);
      if (outcome.status === "done") {
        update((r) => ({ ...r, undo: undefined, undone: outcome }));
        announce(outcome.message);
      } else {
        update((r) => ({ ...r, undo: { phase: "failed", message: outcome.message, reason: outcome.status } }));
      }
    } catch (e) {
      const err = ipc.toIpcError(e);
      update((r) => ({ ...r, undo: { phase: "failed", message: err.message, reason: err.reason ?? err.kind } }));
    }
  };

  const onSettings = async (next: Settings) => {
    setSettingsState(next); // the control follows the click at once
    setSaving(true);
    setSaved(false);
    setSettingsError(null);
    try {
      setSettingsState(await ipc.setSettings(next));
      setSaved(true);
    } catch (e) {
      setSettingsError(ipc.toIpcError(e).message);
      ipc.getSettings().then(setSettingsState, () => undefined);
    } finally {
      setSaving(false);
    }
  };

  const selectTab = (t: Tab) => {
    setTab(t);
    if (t === "history") setUnseen(0);
  };

  return (
    <div class="popover" data-scans={scans}>
      <Header
        report={report}
        reportAt={reportAt}
        now={now}
        scanning={scanning}
        scanError={scanError}
        failed={loadError !== null && report === null}
        onRescan={onRescan}
      />
      {report ? (
        <>
          <Tabs tab={tab} onSelect={selectTab} unseen={unseen} />
          <main class="content">
            <div id={`panel-${tab}`} role="tabpanel" aria-labelledby={`tab-${tab}`}>
            {tab === "status" && <StatusPanel report={report} repairs={repairs} recent={recent} focusUndo={focusUndo} onRepair={onRepair} onUndo={onUndo} />}
            {tab === "installations" && <InstallationsPanel report={report} />}
            {tab === "history" && <HistoryPanel history={history} error={historyError} now={now} />}
            {tab === "settings" && (
              <SettingsPanel settings={settings} error={settingsError} saving={saving} saved={saved} onChange={onSettings} />
            )}
            </div>
          </main>
        </>
      ) : loadError ? (
        <main class="content empty">
          <div class="engine-error" role="alert">
            <h2>gowarden could not scan</h2>
            <p>{loadError.message}</p>
            <p class="muted small">
              {loadError.kind}
              {loadError.reason ? ` · ${loadError.reason}` : ""}
            </p>
          </div>
        </main>
      ) : (
        <main class="content empty" aria-busy="true">
          <p class="checking">
            <span class="spinner" aria-hidden="true" />
            Checking your Go toolchain…
          </p>
        </main>
      )}
      <div class="sr-only" role="status" aria-live="polite" ref={setAnnouncer} />
    </div>
  );
}

function mergeHistory(fetched: DriftEvent[], current: DriftEvent[] | null): DriftEvent[] {
  // Events that arrived while the journal was being read come first.
  const seen = new Set(fetched.map(eventKey));
  return [...(current ?? []).filter((e) => !seen.has(eventKey(e))), ...fetched];
}

function Header(props: {
  report: Report | null;
  reportAt: number | null;
  now: number;
  scanning: boolean;
  scanError: IpcError | null;
  failed: boolean;
  onRescan: () => void;
}) {
  const { report } = props;
  const s = report ? statusView(report.status) : null;
  const tone = s ? s.tone : props.failed ? "bad" : "pending";
  return (
    <header class="header">
      <div class={`state tone-${tone}`}>
        <span class="glyph" aria-hidden="true">
          {s ? s.glyph : props.failed ? "✕" : "…"}
        </span>
        <div class="state-words">
          <h1>
            <span class="sr-only">Go toolchain: </span>
            {s ? s.word : props.failed ? "Scan failed" : "Checking"}
          </h1>
          <p class="summary">{report ? findingsSummary(report) : props.failed ? "No report" : "First scan running"}</p>
        </div>
      </div>
      <div class="scan">
        <button type="button" class="rescan" onClick={props.onRescan} disabled={props.scanning} aria-busy={props.scanning}>
          <span class={props.scanning ? "spinner" : "spinner idle"} aria-hidden="true" />
          {props.scanning ? "Scanning…" : "Rescan"}
        </button>
        <p class="when" aria-live="off">
          {props.scanning ? "scanning now" : props.reportAt !== null ? `checked ${relativeTime(props.reportAt, props.now)}` : "\u00a0"}
        </p>
      </div>
      {props.scanError && (
        <p class="scan-error" role="alert">
          Rescan failed: {props.scanError.message}
        </p>
      )}
    </header>
  );
}

function Tabs({ tab, onSelect, unseen }: { tab: Tab; onSelect: (t: Tab) => void; unseen: number }) {
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});
  const onKeyDown = (e: KeyboardEvent) => {
    const i = TABS.indexOf(tab);
    const next =
      e.key === "ArrowRight" ? TABS[(i + 1) % TABS.length] : e.key === "ArrowLeft" ? TABS[(i + TABS.length - 1) % TABS.length] : e.key === "Home" ? TABS[0] : e.key === "End" ? TABS[TABS.length - 1] : undefined;
    if (!next) return;
    e.preventDefault();
    onSelect(next);
    refs.current[next]?.focus();
  };
  return (
    <div class="tabs" role="tablist" aria-label="Sections" onKeyDown={onKeyDown}>
      {TABS.map((t) => (
        <button
          key={t}
          ref={(el) => {
            refs.current[t] = el;
          }}
          type="button"
          role="tab"
          id={`tab-${t}`}
          aria-selected={tab === t}
          aria-controls={`panel-${t}`}
          tabIndex={tab === t ? 0 : -1}
          onClick={() => onSelect(t)}
        >
          {TAB_LABEL[t]}
          {t === "history" && unseen > 0 && (
            <span class="count">
              {unseen}
              <span class="sr-only"> new</span>
            </span>
          )}
        </button>
      ))}
    </div>
  );
}
