// The learner's first screen with a cold cache, in Debian's Chromium, read off the browser's
// own performance timing. Each run is a new browser context (no HTTP cache, no service
// worker, nothing stored), as a first visit is. Prints p50/p99 per milestone.
//
//   TESSERA_URL=http://127.0.0.1:8080 node web/bench/first-screen.mjs [runs]
// (./dev bench web starts a server and runs it.)
import { chromium } from "@playwright/test";

const base = process.env.TESSERA_URL ?? "http://127.0.0.1:8080";
const runs = Number(process.argv[2] ?? 30);
const executablePath = process.env.TESSERA_CHROMIUM ?? "/usr/bin/chromium";

const email = `bench-${Date.now()}@example.com`;
const registered = await fetch(`${base}/api/v1/auth/register`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ email, password: "Correct-Horse-Battery-9", full_name: "Bench Learner" }),
});
if (registered.status !== 201) throw new Error(`register: ${registered.status} ${await registered.text()}`);
const tokens = await registered.json();

const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });

async function once(path, ready, signedIn) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  if (signedIn) {
    await context.addInitScript((t) => {
      localStorage.setItem("tessera.tokens", JSON.stringify(t));
    }, { access_token: tokens.access_token, refresh_token: tokens.refresh_token });
  }
  const page = await context.newPage();
  await page.goto(`${base}${path}`);
  await page.getByRole("heading", { level: 1, name: ready }).waitFor();
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const fcp = performance.getEntriesByName("first-contentful-paint")[0];
    return {
      ttfb: nav.responseStart,
      domContentLoaded: nav.domContentLoadedEventEnd,
      load: nav.loadEventEnd || performance.now(),
      firstContentfulPaint: fcp ? fcp.startTime : NaN,
      screenReady: performance.now(),
      transferredKiB: performance.getEntriesByType("resource").reduce((s, r) => s + r.transferSize, nav.transferSize) / 1024,
    };
  });
  await context.close();
  return timing;
}

function report(title, samples) {
  console.log(`${title}: ${samples.length} cold loads (new context each), ms from navigation start`);
  for (const key of ["ttfb", "domContentLoaded", "firstContentfulPaint", "load", "screenReady"]) {
    const sorted = samples.map((s) => s[key]).filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
    const at = (p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
    console.log(`  ${key.padEnd(22)} p50 ${at(0.5).toFixed(1).padStart(7)}   p99 ${at(0.99).toFixed(1).padStart(7)}   max ${sorted[sorted.length - 1].toFixed(1).padStart(7)}`);
  }
  console.log(`  transferred            ${samples[0].transferredKiB.toFixed(0)} KiB`);
}

for (const [title, path, ready, signedIn] of [
  ["signed in: /learn until \"Today's lesson\" shows", "/learn", "Today's lesson", true],
  ["signed out: / until the sign-in form shows", "/", "Sign in to Tessera", false],
]) {
  await once(path, ready, signedIn); // the server's own caches, not the browser's
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(await once(path, ready, signedIn));
  report(title, samples);
}
await browser.close();
