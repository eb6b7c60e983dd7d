// Small building blocks shared by the panels.

import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { splitPath, type Badge as BadgeData } from "../format";
import { announce } from "../announce";

/** A path, middle-truncated to fit, with the whole path on hover, to screen readers, and a
 * Copy button. */
export function PathText({ path, copy = true }: { path: string; copy?: boolean }) {
  // The head gives way (CSS ellipsis) when the row is too narrow; the tail always shows.
  const { head, tail } = splitPath(path);
  return (
    <span class="path-row">
      <span class="path" title={path} data-path={path}>
        <span class="head">{head}</span>
        <span class="tail">{tail}</span>
      </span>
      {copy && <CopyButton text={path} what="path" compact />}
    </span>
  );
}

/** Copies `text`; says so on the button and to screen readers. */
export function CopyButton({ text, what, compact = false }: { text: string; what: string; compact?: boolean }) {
  const [copied, setCopied] = useState(false);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const onClick = async () => {
    const ok = await copyText(text);
    announce(ok ? `Copied the ${what}` : `Could not copy the ${what}`);
    setCopied(ok);
    window.clearTimeout(timer.current);
    // Only the button's wording goes back; nothing waits on this.
    timer.current = window.setTimeout(() => setCopied(false), 2000);
  };
  return (
    <button
      type="button"
      class={compact ? "copy compact" : "copy"}
      aria-label={`Copy ${what}`}
      title={`Copy ${what}`}
      data-copied={copied ? "" : undefined}
      onClick={onClick}
    >
      {compact ? copied ? <span aria-hidden="true">✓</span> : <CopyIcon /> : copied ? "Copied" : "Copy"}
    </button>
  );
}

function CopyIcon() {
  return (
    <svg aria-hidden="true" width="12" height="12" viewBox="0 0 12 12" fill="none" stroke="currentColor" stroke-width="1.2">
      <rect x="3.6" y="3.6" width="7" height="7.6" rx="1.2" />
      <path d="M2.4 8.4h-.2A1.2 1.2 0 0 1 1 7.2V1.8A1.2 1.2 0 0 1 2.2.6h4.6A1.2 1.2 0 0 1 8 1.8v.4" />
    </svg>
  );
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard API (an insecure context, a denied permission): the old way.
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.append(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
    area.remove();
    return ok;
  }
}

export function Badge({ badge }: { badge: BadgeData }) {
  return (
    <span class={`badge tone-${badge.tone}`} title={badge.title}>
      {badge.label}
    </span>
  );
}

export function Section({ title, id, children, aside }: { title: string; id: string; children: ComponentChildren; aside?: ComponentChildren }) {
  return (
    <section class="section" aria-labelledby={`${id}-h`}>
      <div class="section-head">
        <h2 id={`${id}-h`}>{title}</h2>
        {aside}
      </div>
      {children}
    </section>
  );
}

/** A term and its value, as a row of a description list. */
export function Fact({ term, children }: { term: string; children: ComponentChildren }) {
  return (
    <div class="fact">
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}
