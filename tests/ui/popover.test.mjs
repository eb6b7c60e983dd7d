// The popover in Chromium against the mocked backend, on reports the real engine produced
// from scenario machines (tests/ui/fixtures.py). Every wait is for a condition in the page.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { browser, calls, emit, fixture, open, screenshot, serve } from "./harness.mjs";

let server;
let chrome;
before(async () => {
  server = await serve();
  chrome = await browser();
});
after(async () => {
  await chrome?.close();
  await server?.close();
});

/** Opens a scenario and waits for the app to have rendered something. */
async function popover(scenario, options) {
  const opened = await open(chrome.context, server.url, scenario, options);
  await opened.page.locator("h1").waitFor();
  return opened;
}

/** Waits until `n` reports in all have reached the UI. */
function reports(page, n) {
  return page.waitForFunction((k) => Number(document.querySelector(".popover")?.dataset.scans) >= k, n);
}

/** Nothing but the page's own origin was asked for: no remote fonts, scripts or images. */
function onlyLocal(requests) {
  const foreign = requests.filter((u) => !u.startsWith(server.url) && !u.startsWith("data:"));
  assert.deepEqual(foreign, [], "requests outside the app");
}

const status = (page) => page.locator("h1").innerText();
const finding = (page, id) => page.locator(`[data-finding="${id}"]`);

describe("a healthy machine", () => {
  test("says OK, with the active Go, its chain and GOROOT's reason", async () => {
    const { report } = fixture("healthy");
    const { page, requests, errors } = await popover({ report });
    await reports(page, 1);
    assert.match(await status(page), /OK/);
    assert.equal(await page.locator(".summary").innerText(), "No problems found");
    const active = page.locator("section", { has: page.getByRole("heading", { name: "Active Go" }) });
    assert.equal(await active.locator(".version").innerText(), report.active.version);
    assert.equal(await active.locator(".platform").innerText(), `${report.active.os}/${report.active.arch}`);
    assert.equal(await active.locator(".badge").innerText(), "native");
    // Every hop of the chain, to the real file, with the whole path on hover.
    const paths = await active.locator(".path").evaluateAll((els) => els.map((e) => e.getAttribute("title")));
    for (const hop of report.active.chain) assert.ok(paths.includes(hop.path), `${hop.path} shown`);
    assert.ok(paths.includes(report.active.goroot));
    await active.getByText("Found above the executable's path after resolving symlinks").waitFor();
    await active.getByText(report.gotoolchain.reason).waitFor();
    await screenshot(page, "healthy");
    onlyLocal(requests);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test("shows the checking state until the first report is pushed", async () => {
    const { report } = fixture("healthy");
    const { page } = await popover({ report: null });
    assert.match(await status(page), /Checking/);
    await page.getByText("Checking your Go toolchain…").waitFor();
    await screenshot(page, "checking");
    await emit(page, "report-updated", report);
    await page.locator("h1", { hasText: "OK" }).waitFor();
    await page.close();
  });
});

describe("Homebrew's bin/go dangling after an upgrade", () => {
  test("Repair sends the finding's id, the report updates, Undo appears and undoes", async () => {
    const d = fixture("homebrew-dangling");
    const undoEvent = d.history.find((e) => e.kind === "undone");
    const { page, errors } = await popover({
      report: d.report,
      repairs: { [d.finding]: { outcome: d.repair, report: d.repaired, event: d.repair_event, hold: true } },
      undos: { [d.repair.transaction]: { outcome: d.undo, report: d.undone, event: undoEvent } },
    });
    await reports(page, 1);
    assert.match(await status(page), /Broken/);
    const card = finding(page, d.finding);
    const best = d.report.findings.find((f) => f.id === d.finding).action.candidates[0];
    await card.getByText(`${best.version} · homebrew`).waitFor();
    await screenshot(page, "dangling");

    await card.getByRole("button", { name: "Repair" }).click();
    // While the backend works, the button says so and cannot be pressed twice.
    const busy = card.getByRole("button", { name: "Repairing…" });
    await busy.waitFor();
    assert.equal(await busy.isDisabled(), true);
    assert.deepEqual(await calls(page, "repair"), [{ id: d.finding, target: best.target }]);
    await page.evaluate(() => window.__gowardenMock.release("repair"));

    // The repaired machine's report arrives: the finding is gone, Undo is offered.
    await page.locator("h1", { hasText: "OK" }).waitFor();
    const repairs = page.locator("section", { has: page.getByRole("heading", { name: "Repairs" }) });
    const undo = repairs.getByRole("button", { name: "Undo" });
    await undo.waitFor();
    await repairs.getByText(d.repair.message).waitFor();
    assert.equal(await card.count(), 0);
    // The keyboard user's focus moved from the vanished Repair button to Undo.
    assert.equal(await undo.evaluate((b) => b === document.activeElement), true);
    // The repair's drift event is in the history.
    await page.getByRole("tab", { name: /History.*1 new/ }).waitFor();
    await screenshot(page, "repaired");

    await undo.click();
    assert.deepEqual(await calls(page, "undo"), [{ id: d.repair.transaction }]);
    await page.locator("h1", { hasText: "Broken" }).waitFor();
    await repairs.getByText(d.undo.message).waitFor();
    await repairs.getByText("Undone").waitFor();
    assert.equal(await repairs.getByRole("button", { name: "Undo" }).count(), 0);
    await page.getByRole("tab", { name: "History" }).click();
    const events = page.locator(".timeline .event");
    await events.nth(1).waitFor();
    assert.deepEqual(await events.locator(".kind").allInnerTexts(), [
      "gowarden undid a repair (gowarden undo)",
      "gowarden repaired something (gowarden repair)",
    ]);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test("a refused repair shows the engine's reason where the button was", async () => {
    const d = fixture("homebrew-dangling");
    const { page } = await popover({ report: d.report, repairs: { [d.finding]: { outcome: d.refused } } });
    const card = finding(page, d.finding);
    await card.getByRole("button", { name: "Repair" }).click();
    const alert = card.getByRole("alert");
    await alert.waitFor();
    assert.match(await alert.innerText(), /Not done:/);
    assert.ok((await alert.innerText()).includes("is not one of this link's healthy targets"));
    assert.equal(await card.getByRole("button", { name: "Repair" }).count(), 0);
    await card.getByRole("button", { name: "Try again" }).waitFor();
    await screenshot(page, "repair-refused");
    await page.close();
  });

  test("a rejected repair (the backend's typed error) is shown the same way", async () => {
    const d = fixture("homebrew-dangling");
    const error = { kind: "refused", message: d.refused.message, reason: d.refused_reason };
    const { page } = await popover({ report: d.report, repairs: { [d.finding]: { error } } });
    const card = finding(page, d.finding);
    await card.getByRole("button", { name: "Repair" }).click();
    await card.getByRole("alert").getByText(`(${d.refused_reason})`).waitFor();
    await page.close();
  });
});

describe("a directory link with two candidates", () => {
  test("the user picks the second-ranked one and Repair sends its target", async () => {
    const d = fixture("usr-local-go");
    const { page } = await popover({
      report: d.report,
      repairs: { [d.finding]: { outcome: d.repair, report: d.repaired } },
    });
    const card = finding(page, d.finding);
    const select = card.getByRole("combobox", { name: "Point it at" });
    const candidates = d.report.findings.find((f) => f.id === d.finding).action.candidates;
    assert.equal(await select.locator("option").count(), candidates.length);
    const index = candidates.findIndex((c) => c.target === d.target);
    assert.ok(index > 0, "the chosen one is not the default");
    await select.selectOption(String(index));
    await card.getByRole("button", { name: "Repair" }).click();
    await page.locator("h1", { hasText: "OK" }).waitFor();
    assert.deepEqual(await calls(page, "repair"), [{ id: d.finding, target: d.target }]);
    const active = page.locator("section", { has: page.getByRole("heading", { name: "Active Go" }) });
    assert.equal(await active.locator(".version").innerText(), d.repaired.active.version);
    await page.close();
  });
});

describe("an Intel go on an arm64 Mac", () => {
  test("is badged Rosetta, and its fix is the exact command with Copy", async () => {
    const { report } = fixture("intel-on-arm64");
    const { page } = await popover({ report });
    await chrome.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
    assert.match(await status(page), /Warning/);
    const active = page.locator("section", { has: page.getByRole("heading", { name: "Active Go" }) });
    const badge = active.locator(".badge");
    assert.equal(await badge.innerText(), "Rosetta");
    assert.equal(await badge.getAttribute("title"), `Runs translated by ${report.active.runs.by}`);
    const f = report.findings.find((x) => x.code === "rosetta-go");
    const card = finding(page, f.id);
    const command = f.action.argv.join(" ");
    assert.equal(await card.locator("code.cmd").innerText(), command);
    await card.getByRole("button", { name: "Copy command" }).click();
    // The announcement stays until the next one (the button's "Copied" goes back after a while).
    await page.locator('[role="status"][aria-live="polite"]', { hasText: "Copied the command" }).waitFor({ state: "attached" });
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), command);
    await screenshot(page, "rosetta");
    await page.close();
  });
});

describe("a stale GOROOT exported by ~/.zshrc", () => {
  test("names the shell file and line, and marks the active installation", async () => {
    const { report } = fixture("stale-goroot");
    const { page } = await popover({ report }, { colorScheme: "dark" });
    assert.match(await status(page), /Broken/);
    const f = report.findings.find((x) => x.code === "goroot-env-mismatch");
    const card = finding(page, f.id);
    const { file, line, text } = f.action;
    assert.ok(file.endsWith("/.zshrc"));
    await card.getByText(`Comment out line ${line} of ${file}: ${text}`).waitFor();
    await card.getByRole("button", { name: "Repair" }).waitFor();
    const active = page.locator("section", { has: page.getByRole("heading", { name: "Active Go" }) });
    await active.getByText(`GOROOT in the environment, exported at ${file} line ${line}`).waitFor();
    await screenshot(page, "stale-goroot-dark");

    await page.getByRole("tab", { name: "Installations" }).click();
    const rows = page.locator(".install");
    assert.equal(await rows.count(), report.installations.length);
    const current = page.locator('.install[aria-current="true"]');
    assert.equal(await current.count(), 1);
    assert.equal(await current.locator(".path").getAttribute("title"), report.active.home_goroot);
    await current.getByText("active").waitFor();
    await screenshot(page, "installations-dark");
    await page.close();
  });
});

describe("drift while the popover is open", () => {
  test("a drift event lands in the history, counted and announced", async () => {
    const { report } = fixture("healthy");
    const event = fixture("homebrew-dangling").repair_event;
    const { page } = await popover({ report, history: [] });
    await reports(page, 1);
    await emit(page, "drift", event);
    await page.getByRole("tab", { name: /History.*1 new/ }).waitFor();
    await page.locator('[role="status"][aria-live="polite"]', { hasText: event.message }).waitFor({ state: "attached" });
    await page.getByRole("tab", { name: /History/ }).click();
    const item = page.locator(".timeline .event").first();
    await item.waitFor();
    assert.equal(await item.locator(".change").innerText(), `${event.before} → ${event.after}`);
    assert.equal(await item.locator(".path").getAttribute("title"), event.subject);
    assert.equal(await item.locator("time").getAttribute("datetime"), event.at);
    assert.equal(await page.getByRole("tab", { name: /new/ }).count(), 0, "seen once shown");
    await screenshot(page, "history");
    await page.close();
  });
});

describe("the engine failing", () => {
  test("a scan failure is shown as an error, not a blank page", async () => {
    const { error } = fixture("scan-failure");
    const { page } = await popover({ report: null, reportError: error });
    await page.locator("h1", { hasText: "Scan failed" }).waitFor();
    const alert = page.getByRole("alert");
    await alert.getByText(error.message).waitFor();
    await alert.getByText("scan-failed").waitFor();
    await screenshot(page, "scan-failed");
    // Rescan is still there to try again.
    await page.getByRole("button", { name: "Rescan" }).waitFor();
    await page.close();
  });

  test("a failed rescan keeps the last report and says why", async () => {
    const { report } = fixture("healthy");
    const { error } = fixture("scan-failure");
    const { page } = await popover({ report, rescanError: error });
    await reports(page, 1);
    await page.getByRole("button", { name: "Rescan" }).click();
    await page.getByRole("alert").getByText(`Rescan failed: ${error.message}`).waitFor();
    assert.match(await status(page), /OK/);
    await page.close();
  });
});

describe("rescanning and updates", () => {
  test("Rescan shows a scanning state, then the new report", async () => {
    const d = fixture("homebrew-dangling");
    const { page } = await popover({ report: d.report, rescan: d.repaired, holdRescan: true });
    await reports(page, 1);
    await page.getByRole("button", { name: "Rescan" }).click();
    const scanning = page.getByRole("button", { name: "Scanning…" });
    await scanning.waitFor();
    assert.equal(await scanning.getAttribute("aria-busy"), "true");
    await page.getByText("scanning now").waitFor();
    await page.waitForFunction(() => window.__gowardenMock.holding("rescan"));
    await page.evaluate(() => window.__gowardenMock.release("rescan"));
    await page.locator("h1", { hasText: "OK" }).waitFor();
    await page.getByRole("button", { name: "Rescan" }).waitFor();
    await page.close();
  });

  test("a report update moves nothing: layout, scroll and focus stay", async () => {
    const d = fixture("homebrew-dangling");
    const { page } = await popover({ report: d.report });
    await reports(page, 1);
    const content = page.locator("main.content");
    await content.evaluate((el) => el.scrollTo(0, 120));
    const copy = page.locator(".finding button.copy").first();
    await copy.focus();
    const layout = () =>
      page.evaluate(() => ({
        scroll: document.querySelector("main.content").scrollTop,
        focused: document.activeElement?.closest("[data-finding]")?.getAttribute("data-finding") ?? null,
        boxes: [...document.querySelectorAll("header, [role=tablist], .section, .finding, .fact")].map((e) => {
          const r = e.getBoundingClientRect();
          return [e.className, r.x, r.y, r.width, r.height];
        }),
      }));
    const before = await layout();
    assert.ok(before.scroll > 0 && before.focused);
    // The same machine scanned again (the real report after repair and undo).
    await emit(page, "report-updated", d.undone);
    await reports(page, 2);
    assert.deepEqual(await layout(), before);
    assert.equal(await copy.evaluate((b) => b === document.activeElement), true);
    await page.close();
  });
});

describe("settings", () => {
  test("each change is sent with set_settings and shown as saved", async () => {
    const { report } = fixture("healthy");
    const settings = { notifications: { "finding-resolved": false }, rescan_interval_secs: 300, launch_at_login: false };
    const { page } = await popover({ report, settings });
    await page.getByRole("tab", { name: "Settings" }).click();
    const resolved = page.getByRole("checkbox", { name: "A problem went away" });
    const opened = page.getByRole("checkbox", { name: "A new problem" });
    assert.equal(await resolved.isChecked(), false, "off as set");
    assert.equal(await opened.isChecked(), true, "a missing kind is on");
    await screenshot(page, "settings");
    await opened.uncheck();
    await page.getByRole("status").filter({ hasText: "Saved" }).waitFor();
    await page.getByRole("combobox", { name: "Rescan every" }).selectOption("900");
    await page.getByRole("checkbox", { name: "Launch at login" }).check();
    await page.waitForFunction(() => window.__gowardenMock.calls.filter((c) => c.cmd === "set_settings").length === 3);
    const sent = (await calls(page, "set_settings")).map((a) => a.settings);
    assert.deepEqual(sent[0].notifications, { "finding-resolved": false, "finding-opened": false });
    assert.equal(sent[1].rescan_interval_secs, 900);
    assert.deepEqual(sent[2], {
      notifications: { "finding-resolved": false, "finding-opened": false },
      rescan_interval_secs: 900,
      launch_at_login: true,
    });
    await page.close();
  });
});

describe("keyboard", () => {
  test("Tab reaches Rescan and the tabs; arrows switch tabs; focus is visible", async () => {
    const { report } = fixture("stale-goroot");
    const { page } = await popover({ report });
    await reports(page, 1);
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Rescan");
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, "none", "a visible focus ring");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("role")), "tab");
    await page.keyboard.press("ArrowRight");
    await page.getByRole("tab", { name: "Installations", selected: true }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), "tab-installations");
    await page.keyboard.press("End");
    await page.getByRole("tab", { name: "Settings", selected: true }).waitFor();
    await page.keyboard.press("Home");
    await page.getByRole("tab", { name: "Status", selected: true }).waitFor();
    // Into the panel: the finding's Repair button is reachable without a mouse.
    let reached = false;
    for (let i = 0; i < 20 && !reached; i++) {
      await page.keyboard.press("Tab");
      reached = await page.evaluate(() => document.activeElement?.textContent === "Repair");
    }
    assert.ok(reached, "Repair reachable by Tab");
    await page.close();
  });

  test("Escape puts the popover away", async () => {
    const { report } = fixture("stale-goroot");
    const { page } = await popover({ report });
    await reports(page, 1);
    assert.deepEqual(await calls(page, "plugin:window|hide"), []);
    await page.keyboard.press("Escape");
    await page.waitForFunction(() => window.__gowardenMock.calls.some((c) => c.cmd === "plugin:window|hide"));
    await page.close();
  });
});
