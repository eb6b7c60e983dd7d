// The Installations, History and Settings tabs.

import type { Report } from "../generated/report";
import type { ChangeKind, DriftEvent, Settings } from "../generated/ipc";
import { ChangeKindDescriptions, ChangeKindValues } from "../generated/enums";
import { docLabel, driftLine, duration, runsBadge } from "../format";
import { installationsView } from "../view";
import { Badge, PathText, Section } from "./common";

export function InstallationsPanel({ report }: { report: Report }) {
  const rows = installationsView(report);
  return (
    <Section title="Installations" id="installs" aside={<span class="muted">{rows.length} found</span>}>
      {rows.length === 0 ? (
        <p class="muted">No Go installation found.</p>
      ) : (
        <ul class="installs" role="list">
          {rows.map(({ install, active, source }) => (
            <li key={install.goroot} class={active ? "install active" : "install"} aria-current={active ? "true" : undefined}>
              <p class="install-head">
                <span class="version">{install.version ?? "unknown version"}</span>
                <span class="source" title={source}>
                  {install.source}
                </span>
                <span class="muted">{install.archs.join("+") || "?"}</span>
                <Badge badge={runsBadge(install.runs)} />
                {active && <span class="badge tone-accent">active</span>}
              </p>
              <PathText path={install.goroot} />
              {install.healthy ? (
                <p class="health tone-ok small">✓ healthy</p>
              ) : (
                <ul class="health tone-bad small">
                  {install.problems.map((p) => (
                    <li key={p}>✕ {p}</li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

export function HistoryPanel({ history, error, now }: { history: DriftEvent[] | null; error: string | null; now: number }) {
  return (
    <Section title="History" id="history">
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {history === null && !error ? (
        <p class="muted">Loading…</p>
      ) : history && history.length === 0 ? (
        <p class="muted">No changes recorded yet.</p>
      ) : (
        <ol class="timeline">
          {(history ?? []).map((e) => {
            const line = driftLine(e, now);
            return (
              <li key={eventKey(e)} class={`event kind-${e.kind}`} title={e.message}>
                <p class="event-head">
                  <span class="kind">{docLabel(ChangeKindDescriptions[e.kind], e.kind)}</span>
                  <time dateTime={e.at} title={e.at}>
                    {line.when}
                  </time>
                </p>
                <p class="change">{line.change}</p>
                <PathText path={line.subject} />
              </li>
            );
          })}
        </ol>
      )}
    </Section>
  );
}

export function eventKey(e: DriftEvent): string {
  return `${e.at}|${e.kind}|${e.subject}`;
}

const INTERVALS = [60, 300, 900, 1800, 3600];

export function SettingsPanel(props: {
  settings: Settings | null;
  error: string | null;
  saving: boolean;
  saved: boolean;
  onChange: (s: Settings) => void;
}) {
  const s = props.settings;
  if (!s) {
    return (
      <Section title="Settings" id="settings">
        {props.error ? (
          <p class="error" role="alert">
            {props.error}
          </p>
        ) : (
          <p class="muted">Loading…</p>
        )}
      </Section>
    );
  }
  const on = (k: ChangeKind) => s.notifications[k] !== false;
  const intervals = INTERVALS.includes(s.rescan_interval_secs) ? INTERVALS : [...INTERVALS, s.rescan_interval_secs].sort((a, b) => a - b);
  return (
    <Section
      title="Settings"
      id="settings"
      aside={
        <span class="muted small" role="status">
          {props.saving ? "Saving…" : props.saved ? "Saved" : ""}
        </span>
      }
    >
      {props.error && (
        <p class="error" role="alert">
          {props.error}
        </p>
      )}
      <fieldset class="kinds">
        <legend>Notify me when</legend>
        {ChangeKindValues.map((k) => (
          <label key={k} class="check">
            <input
              type="checkbox"
              checked={on(k)}
              onChange={(e) =>
                props.onChange({ ...s, notifications: { ...s.notifications, [k]: (e.target as HTMLInputElement).checked } })
              }
            />
            <span>{docLabel(ChangeKindDescriptions[k], k)}</span>
          </label>
        ))}
      </fieldset>
      <label class="field">
        <span>Rescan every</span>
        <select
          value={String(s.rescan_interval_secs)}
          onChange={(e) => props.onChange({ ...s, rescan_interval_secs: Number((e.target as HTMLSelectElement).value) })}
        >
          {intervals.map((secs) => (
            <option key={secs} value={String(secs)}>
              {duration(secs)}
            </option>
          ))}
        </select>
      </label>
      <label class="check">
        <input
          type="checkbox"
          checked={s.launch_at_login}
          onChange={(e) => props.onChange({ ...s, launch_at_login: (e.target as HTMLInputElement).checked })}
        />
        <span>Launch at login</span>
      </label>
    </Section>
  );
}
