import { defineConfig } from "vitest/config";

// The popover is served by Tauri from dist/; `--mode mock` builds the same UI with its IPC
// mocked (src/mock.ts) for the browser tests in ../tests/ui.
export default defineConfig({
  base: "./",
  clearScreen: false,
  server: { port: 1420, strictPort: true },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    // The web views Tauri 2 runs on: WebKit on macOS and Linux.
    target: ["safari15", "chrome105"],
    sourcemap: false,
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
