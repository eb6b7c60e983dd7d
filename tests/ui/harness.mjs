// Shared by the browser tests: serve the mock build, drive Debian's Chromium with
// playwright-core (never a downloaded browser), load scenarios the real engine produced.
//
// Environment (set by scripts/test-ui):
//   GOWARDEN_UI_DIST      the `vite build --mode mock` output (default ui/dist-mock)
//   GOWARDEN_UI_FIXTURES  the fixtures tests/ui/fixtures.py wrote
//   CHROMIUM              the browser (default /usr/bin/chromium)
//   GOWARDEN_UI_SHOTS     where screenshots go (default target/ui-screenshots; scripts/test-ui
//                         --docs points it at docs/ to refresh the README's pictures)

import { createRequire } from "node:module";
import { createServer } from "node:http";
import { mkdtempSync, readFileSync, rmSync, existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const ui = path.join(repo, "ui");
// The browser-test dependencies are ui/'s pinned devDependencies.
const require = createRequire(path.join(ui, "package.json"));
const { chromium } = require("playwright-core");

export const dist = process.env.GOWARDEN_UI_DIST ?? path.join(ui, "dist-mock");
export const fixturesDir = process.env.GOWARDEN_UI_FIXTURES ?? path.join(repo, "target", "ui-fixtures");
export const shotsDir = process.env.GOWARDEN_UI_SHOTS ?? path.join(repo, "target", "ui-screenshots");

/** A scenario document fixtures.py wrote. */
export function fixture(name) {
  const file = path.join(fixturesDir, `${name}.json`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run scripts/test-ui (it runs tests/ui/fixtures.py)`);
  return JSON.parse(readFileSync(file, "utf8"));
}

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png" };

/** Serves `dist` on an ephemeral loopback port. */
export async function serve() {
  if (!existsSync(path.join(dist, "index.html"))) throw new Error(`${dist} has no index.html: build with \`npm run build:mock\``);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    let file = path.normalize(path.join(dist, decodeURIComponent(url.pathname)));
    if (!file.startsWith(dist)) {
      res.writeHead(403).end();
      return;
    }
    if (url.pathname.endsWith("/")) file = path.join(file, "index.html");
    try {
      const body = readFileSync(file);
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(r)) };
}

/** Chromium with a fresh profile, and the flags this machine's closed network needs. */
export async function browser() {
  const profile = mkdtempSync(path.join(tmpdir(), "gowarden-ui-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 360, height: 520 },
    deviceScaleFactor: 2,
    reducedMotion: "reduce",
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Opens the popover on a mocked backend. `scenario` is what src/mock.ts reads
 * (`window.__GOWARDEN_MOCK__`). Every request the page makes is recorded, so a test can
 * prove nothing left the machine.
 */
export async function open(context, url, scenario, { colorScheme = "light" } = {}) {
  const page = await context.newPage();
  const requests = [];
  const errors = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.emulateMedia({ colorScheme, reducedMotion: "reduce" });
  await page.addInitScript((s) => {
    window.__GOWARDEN_MOCK__ = s;
  }, scenario);
  await page.goto(url);
  return { page, requests, errors };
}

/** The mock's record of commands the UI sent. */
export function calls(page, cmd) {
  return page.evaluate((c) => window.__gowardenMock.calls.filter((x) => x.cmd === c).map((x) => x.args ?? null), cmd);
}

/** Pushes an event as the backend would (`app.emit`). */
export function emit(page, event, payload) {
  return page.evaluate(([e, p]) => window.__gowardenMock.emit(e, p), [event, payload]);
}

/** A PNG of the popover at 360×520 (2x). */
export async function screenshot(page, name) {
  mkdirSync(shotsDir, { recursive: true });
  // Animations are off (reduced motion), so the picture is the same on every run.
  await page.screenshot({ path: path.join(shotsDir, `ui-${name}.png`), animations: "disabled", caret: "hide" });
}

/** axe-core from ui/'s devDependencies, injected into the page. */
export async function axe(page) {
  const source = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
  await page.addScriptTag({ content: source });
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
    }));
  });
}
