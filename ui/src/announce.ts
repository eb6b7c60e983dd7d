// One polite live region for the whole popover: copies, repairs and drift are announced to
// screen readers without moving focus.

let region: HTMLElement | null = null;

export function setAnnouncer(el: HTMLElement | null): void {
  region = el;
}

export function announce(text: string): void {
  if (!region) return;
  // Re-setting the same text is not announced again; clear first.
  region.textContent = "";
  region.textContent = text;
}
