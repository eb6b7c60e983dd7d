// The Status tab: what was repaired, the findings, the active Go, and translated processes.

import { useEffect, useRef, useState } from "preact/hooks";
import type { Finding, Report, TranslatedProcess } from "../generated/report";
import type { RepairOutcome } from "../generated/ipc";
import { ViaDescriptions } from "../generated/enums";
import { docLabel, runsBadge } from "../format";
import { actionView, candidateLabel, findingsSummary, gorootWhy, machineLine, severityTone, toolchainView } from "../view";
import { Badge, CopyButton, Fact, PathText, Section } from "./common";

/** A command in flight, or how it failed. */
export type Pending = { phase: "pending" } | { phase: "failed"; message: string; reason: string | null };

export interface RecentRepair {
  outcome: RepairOutcome;
  /** The undo's outcome, once undone. */
  undone?: RepairOutcome;
  undo?: Pending;
}

export function StatusPanel(props: {
  report: Report;
  repairs: Record<string, Pending>;
  recent: RecentRepair[];
  focusUndo: string | null;
  onRepair: (id: string, target?: string) => void;
  onUndo: (transaction: string) => void;
}) {
  const { report } = props;
  return (
    <>
      {props.recent.length > 0 && <Repairs recent={props.recent} focusUndo={props.focusUndo} onUndo={props.onUndo} />}
      <Section title="Findings" id="findings" aside={<span class="muted">{findingsSummary(report)}</span>}>
        {report.findings.length > 0 && (
          <ul class="findings" role="list">
            {report.findings.map((f) => (
              <FindingCard key={f.id} finding={f} state={props.repairs[f.id]} onRepair={props.onRepair} />
            ))}
          </ul>
        )}
      </Section>
      <ActiveGo report={report} />
      {report.translated_processes.length > 0 && <Processes processes={report.translated_processes} />}
    </>
  );
}

function Repairs({ recent, focusUndo, onUndo }: { recent: RecentRepair[]; focusUndo: string | null; onUndo: (transaction: string) => void }) {
  const list = useRef<HTMLUListElement>(null);
  const focused = useRef<string | null>(null);
  useEffect(() => {
    // Once the repaired finding's card is gone with the focus in it, the focus goes to its
    // Undo; focus held anywhere else is never taken.
    if (!focusUndo || focused.current === focusUndo) return;
    if (document.activeElement && document.activeElement !== document.body) return;
    const undo = list.current?.querySelector<HTMLButtonElement>(`[data-transaction="${CSS.escape(focusUndo)}"] button`);
    if (undo) {
      undo.focus();
      focused.current = focusUndo;
    }
  });
  return (
    <Section title="Repairs" id="repairs">
      <ul class="repairs" role="list" ref={list}>
        {recent.map((r) => (
          <li key={r.outcome.transaction} class="repair" data-transaction={r.outcome.transaction}>
            <p class="outcome">{r.undone ? r.undone.message : r.outcome.message}</p>
            <div class="action-row">
              {r.undone ? (
                <span class="muted">Undone</span>
              ) : r.undo?.phase === "failed" ? (
                <FailedAction message={r.undo.message} reason={r.undo.reason} retry="Undo again" onRetry={() => onUndo(r.outcome.transaction)} />
              ) : r.outcome.undoable ? (
                <button
                  type="button"
                  class="secondary"
                  disabled={r.undo?.phase === "pending"}
                  aria-busy={r.undo?.phase === "pending"}
                  onClick={() => onUndo(r.outcome.transaction)}
                >
                  {r.undo?.phase === "pending" ? "Undoing…" : "Undo"}
                </button>
              ) : null}
            </div>
          </li>
        ))}
      </ul>
    </Section>
  );
}

function FindingCard({ finding, state, onRepair }: { finding: Finding; state?: Pending; onRepair: (id: string, target?: string) => void }) {
  const view = actionView(finding);
  const [choice, setChoice] = useState(0);
  const titleId = `f-${cssId(finding.id)}`;
  return (
    <li class={`finding tone-${severityTone(finding.severity)}`} aria-labelledby={titleId} data-finding={finding.id}>
      <p class="finding-head">
        <span class={`severity tone-${severityTone(finding.severity)}`}>{finding.severity}</span>
        <span id={titleId} class="message">
          {finding.message}
        </span>
      </p>
      <p class="why">
        <span class="label">Why it matters: </span>
        {finding.why}
      </p>
      {view.kind === "repair" && (
        <div class="action">
          <p class="muted small">{view.detail}</p>
          {view.candidates.length > 1 ? (
            <label class="candidate">
              <span>Point it at</span>
              <select value={String(choice)} onChange={(e) => setChoice(Number((e.target as HTMLSelectElement).value))}>
                {view.candidates.map((c, i) => (
                  <option key={c.target} value={String(i)}>
                    {candidateLabel(c, true)}
                  </option>
                ))}
              </select>
            </label>
          ) : view.candidates.length === 1 ? (
            <p class="candidate small">
              <span>Point it at </span>
              <strong>{candidateLabel(view.candidates[0]!)}</strong>
            </p>
          ) : null}
          <div class="action-row">
            {state?.phase === "failed" ? (
              <FailedAction
                message={state.message}
                reason={state.reason}
                retry="Try again"
                onRetry={() => onRepair(finding.id, view.candidates[choice]?.target)}
              />
            ) : (
              <button
                type="button"
                class="primary"
                disabled={state?.phase === "pending"}
                aria-busy={state?.phase === "pending"}
                onClick={() => onRepair(finding.id, view.candidates[choice]?.target)}
              >
                {state?.phase === "pending" ? "Repairing…" : view.label}
              </button>
            )}
          </div>
        </div>
      )}
      {view.kind === "copy" && (
        <div class="action command">
          {view.isCommand ? <code class="cmd">{view.text}</code> : <p class="fix">{view.text}</p>}
          <CopyButton text={view.text} what={view.isCommand ? "command" : "fix"} />
        </div>
      )}
    </li>
  );
}

/** A failed repair or undo, shown where its button was. */
function FailedAction({ message, reason, retry, onRetry }: { message: string; reason: string | null; retry: string; onRetry: () => void }) {
  return (
    <div class="failed" role="alert">
      <p>
        <strong>Not done: </strong>
        {message}
        {reason && <span class="muted"> ({reason})</span>}
      </p>
      <button type="button" class="secondary" onClick={onRetry}>
        {retry}
      </button>
    </div>
  );
}

function ActiveGo({ report }: { report: Report }) {
  const a = report.active;
  const eff = report.effective;
  if (!a) {
    return (
      <Section title="Active Go" id="active">
        <p class="muted">No `go` on PATH.</p>
      </Section>
    );
  }
  const badge = runsBadge(a.runs);
  const goroot = gorootWhy(a, report);
  const tc = report.gotoolchain ? toolchainView(report.gotoolchain, report.findings) : null;
  const effDiffers = eff && (eff.version !== a.version || eff.goroot !== a.goroot || eff.via !== "local");
  const machine = machineLine(report);
  return (
    <Section title="Active Go" id="active">
      <div class="active-head">
        <span class="version">{a.version ?? "unknown version"}</span>
        <span class="platform">
          {a.os ?? "?"}/{a.arch ?? a.archs.join("+")}
        </span>
        <Badge badge={badge} />
      </div>
      <dl class="facts">
        <Fact term="Typed as go">
          <PathText path={a.path} />
          {a.chain.length > 1 && (
            <ol class="chain" aria-label="Symlink chain">
              {a.chain.slice(1).map((hop, i) => (
                <li key={hop.path}>
                  <span class="arrow" aria-hidden="true">
                    ↳
                  </span>
                  <span class="sr-only">{i === a.chain.length - 2 ? "the real file: " : "links to "}</span>
                  <PathText path={hop.path} />
                </li>
              ))}
            </ol>
          )}
        </Fact>
        {a.goroot && (
          <Fact term="GOROOT">
            <PathText path={a.goroot} />
            {goroot && <p class="why-line">{goroot}</p>}
          </Fact>
        )}
        {eff && effDiffers && (
          <Fact term="What compiles">
            <span>
              {eff.version ?? "unknown"}
              {eff.goroot && " from "}
            </span>
            {eff.goroot && <PathText path={eff.goroot} />}
            <p class="why-line">
              {docLabel(ViaDescriptions[eff.via])}. {eff.why}
            </p>
          </Fact>
        )}
        {tc && (
          <Fact term="GOTOOLCHAIN">
            <code title={tc.mode}>{tc.value}</code>
            <p class="why-line">{tc.reason}</p>
            {tc.error && <p class="why-line error">{tc.error}</p>}
          </Fact>
        )}
        {machine && (
          <Fact term="Machine">
            <span>{machine}</span>
          </Fact>
        )}
      </dl>
      <p class="muted small">{a.why}</p>
    </Section>
  );
}

function Processes({ processes }: { processes: TranslatedProcess[] }) {
  return (
    <Section title="Under Rosetta or emulation" id="processes">
      <ul class="processes" role="list">
        {processes.map((p) => (
          <li key={p.pid}>
            <p>
              <strong>{p.name}</strong> <span class="muted">pid {p.pid} · {p.translator}</span>
            </p>
            <PathText path={p.exe} />
            <p class="why-line">{p.why}</p>
          </li>
        ))}
      </ul>
    </Section>
  );
}

function cssId(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, "_");
}
