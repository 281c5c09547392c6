// End-to-end tests in Debian's Chromium (browsers cannot be downloaded here), against a
// running `tessera serve` whose address is TESSERA_URL. The Rust e2e suite
// (tests/e2e/web.rs) starts the real binary on SQLite, creates the staff accounts, and
// runs one spec file per test; run one by hand with
//   TESSERA_URL=http://127.0.0.1:8080 npx playwright test e2e/first-day.spec.ts
import { defineConfig, devices } from "@playwright/test";

const chromium = process.env.TESSERA_CHROMIUM ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: "e2e",
  outputDir: process.env.TESSERA_PLAYWRIGHT_OUT ?? "test-results",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // A code exercise runs CPython in the sandbox; the first one compiles nothing (the
  // compiled-artifact cache is warm) but a loaded CI machine is slow.
  timeout: 180_000,
  expect: { timeout: 30_000 },
  reporter: [["list"]],
  use: {
    baseURL: process.env.TESSERA_URL ?? "http://127.0.0.1:8080",
    trace: "off",
    screenshot: "only-on-failure",
    launchOptions: { executablePath: chromium, args: ["--no-sandbox"] },
  },
  // Desktop by default; screens.spec.ts opens a phone-sized context itself.
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], viewport: { width: 1280, height: 900 } } }],
});
