// axe-core on every main state of the popover, light and dark: no serious or critical
// violation (colour contrast, names, roles, ARIA) anywhere.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { axe, browser, emit, fixture, open, serve } from "./harness.mjs";

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

/** The states to check: a scenario, and what to do to reach the state. */
const STATES = {
  checking: { scenario: () => ({ report: null }) },
  healthy: { scenario: () => ({ report: fixture("healthy").report }) },
  dangling: { scenario: () => ({ report: fixture("homebrew-dangling").report }) },
  "two candidates": { scenario: () => ({ report: fixture("usr-local-go").report }) },
  rosetta: { scenario: () => ({ report: fixture("intel-on-arm64").report }) },
  "stale GOROOT": { scenario: () => ({ report: fixture("stale-goroot").report }) },
  "scan failed": { scenario: () => ({ report: null, reportError: fixture("scan-failure").error }) },
  "repaired, with Undo": {
    scenario: () => {
      const d = fixture("homebrew-dangling");
      return { report: d.report, repairs: { [d.finding]: { outcome: d.repair, report: d.repaired, event: d.repair_event } } };
    },
    async reach(page) {
      const d = fixture("homebrew-dangling");
      await page.locator(`[data-finding="${d.finding}"]`).getByRole("button", { name: "Repair" }).click();
      await page.getByRole("button", { name: "Undo" }).waitFor();
    },
  },
  "repair refused": {
    scenario: () => {
      const d = fixture("homebrew-dangling");
      return { report: d.report, repairs: { [d.finding]: { outcome: d.refused } } };
    },
    async reach(page) {
      const d = fixture("homebrew-dangling");
      const card = page.locator(`[data-finding="${d.finding}"]`);
      await card.getByRole("button", { name: "Repair" }).click();
      await card.getByRole("alert").waitFor();
    },
  },
  installations: {
    scenario: () => ({ report: fixture("stale-goroot").report }),
    reach: (page) => page.getByRole("tab", { name: "Installations" }).click(),
  },
  history: {
    scenario: () => ({ report: fixture("healthy").report, history: fixture("homebrew-dangling").history }),
    async reach(page) {
      await emit(page, "drift", fixture("homebrew-dangling").repair_event);
      await page.getByRole("tab", { name: /History/ }).click();
      await page.locator(".timeline .event").first().waitFor();
    },
  },
  settings: {
    scenario: () => ({ report: fixture("healthy").report }),
    async reach(page) {
      await page.getByRole("tab", { name: "Settings" }).click();
      await page.getByRole("checkbox", { name: "Launch at login" }).waitFor();
    },
  },
};

for (const colorScheme of ["light", "dark"]) {
  describe(`axe, ${colorScheme}`, () => {
    for (const [name, state] of Object.entries(STATES)) {
      test(name, async () => {
        const { page } = await open(chrome.context, server.url, state.scenario(), { colorScheme });
        await page.locator("h1").waitFor();
        await page.waitForFunction(() => document.querySelector(".popover"));
        if (state.reach) await state.reach(page);
        const violations = await axe(page);
        const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
        assert.deepEqual(bad, [], JSON.stringify(bad, null, 2));
        await page.close();
      });
    }
  });
}
