// What the browser tests share: the starter pack's answer keys (a learner who knows the
// answers), sign-up, accessibility checks (axe-core: no serious or critical violation),
// Content-Security-Policy violations collected from the console, and screenshots for
// docs/screenshots (when TESSERA_SCREENSHOTS names the folder).
import { readFileSync, readdirSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

export const PASSWORD = "Correct-Horse-Battery-9";

export interface ContentStep {
  id: string;
  kind: string;
  title?: string;
  question?: { kind: string; options?: string[]; answer_key: Record<string, unknown> };
  solution?: string;
  starter_code?: string;
}

/** Every step of the starter pack (content/python-basics), by id. */
export function starterSteps(): Map<string, ContentStep> {
  const dir = fileURLToPath(new URL("../../content/python-basics/lessons", import.meta.url));
  const steps = new Map<string, ContentStep>();
  for (const file of readdirSync(dir).filter((f: string) => f.endsWith(".json"))) {
    const lesson = JSON.parse(readFileSync(join(dir, file), "utf8")) as { steps: ContentStep[] };
    for (const step of lesson.steps) steps.set(step.id, step);
  }
  return steps;
}

export function uniqueEmail(prefix: string): string {
  return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

export async function signUp(page: Page, name: string, role: "learner" | "teacher" = "learner"): Promise<string> {
  const email = uniqueEmail(name.toLowerCase().replace(/\W+/g, "-"));
  await page.goto("/signup");
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByLabel(role === "teacher" ? "a teacher" : "a learner").check();
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).not.toHaveURL(/\/signup$/);
  return email;
}

export async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.goto("/login");
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  // Signed in once the app has left the sign-in page for the role's home.
  await expect(page).not.toHaveURL(/\/login$/);
}

export async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
}

/** Fails on any serious or critical accessibility violation of the page as it is now. */
export async function expectAccessible(page: Page, screen: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(
    bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    `accessibility violations on ${screen}`,
  ).toEqual([]);
}

/** Records Content-Security-Policy violations the page reports. */
export function collectCspViolations(page: Page): string[] {
  const found: string[] = [];
  page.on("console", (m) => {
    const text = m.text();
    if (/Content Security Policy|Refused to (load|execute|apply|connect)/i.test(text)) found.push(text);
  });
  return found;
}

/** Saves a screenshot as docs/screenshots/<name>.png when asked to (TESSERA_SCREENSHOTS). */
export async function screenshot(page: Page, name: string) {
  const dir = process.env.TESSERA_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: false });
}

/** Replaces the code editor's text as a learner pasting it would: select all, paste.
 * (Typing it would fight the editor's auto-indent; `insertText` into the editable turns
 * runs of spaces into no-break spaces, which Python refuses.) */
export async function setCode(page: Page, code: string) {
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.evaluate((text) => navigator.clipboard.writeText(text), code);
  const editor = page.locator(".cm-content").first();
  await editor.click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.press("ControlOrMeta+V");
  await expect(editor).toHaveText(code.replace(/\n+$/, "").split("\n").join(""), { useInnerText: false });
}
