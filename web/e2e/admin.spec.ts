// An admin reads the AI spend dashboard (after AI requests were made), the safety events,
// the experiments, the users and the dead letters; a super admin changes a user's role and
// disables the account, and sees the plugins with their calls and reloads them.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { collectCspViolations, expectAccessible, screenshot, signIn, signOut } from "./support";

const admin = process.env.TESSERA_ADMIN_EMAIL!;
const superAdmin = process.env.TESSERA_SUPER_ADMIN_EMAIL!;
const password = process.env.TESSERA_STAFF_PASSWORD!;

test("an admin reads the AI spend dashboard; a super admin reloads the plugins", async ({ page, request }) => {
  expect(admin && superAdmin && password, "TESSERA_ADMIN_EMAIL, TESSERA_SUPER_ADMIN_EMAIL and TESSERA_STAFF_PASSWORD").toBeTruthy();
  const csp = collectCspViolations(page);

  // Spend to report: two chat completions through the gateway (the offline model).
  const login = await request.post("/api/v1/auth/login", { data: { email: admin, password } });
  expect(login.status()).toBe(200);
  const headers = { authorization: `Bearer ${(await login.json()).access_token as string}` };
  for (const question of ["How do for loops work?", "What is a list?"]) {
    const reply = await request.post("/v1/chat/completions", {
      headers,
      data: { model: "tessera-offline", messages: [{ role: "user", content: question }] },
    });
    expect(reply.status()).toBe(200);
  }

  await signIn(page, admin, password);
  await expect(page).toHaveURL(/\/console\/ai$/);
  await expect(page.getByRole("heading", { name: "AI spend" })).toBeVisible();
  await expect(page.getByTestId("month-spend")).toContainText("$");
  const perFeature = page.getByRole("table", { name: "Per feature" });
  await expect(perFeature).toContainText("chat-completions");
  await expect(perFeature.getByRole("row").filter({ hasText: "chat-completions" })).toContainText("2");
  await expect(page.getByRole("table", { name: "Per model" })).toContainText("tessera-offline");
  await expectAccessible(page, "AI spend");
  await screenshot(page, "desktop-ai-spend");

  await page.getByRole("link", { name: "Safety" }).click();
  await expect(page.getByRole("heading", { name: "Safety events" })).toBeVisible();
  await expectAccessible(page, "safety events");
  await page.getByRole("link", { name: "Experiments" }).click();
  await expect(page.getByRole("heading", { name: "Experiments" })).toBeVisible();
  await expectAccessible(page, "experiments");
  // Users: admins see them; changing them is for super admins (below).
  const learner = `turing-${Date.now()}@example.com`;
  const made = await request.post("/api/v1/auth/register", { data: { email: learner, password: "Correct-Horse-Battery-9", full_name: "Alan Turing" } });
  expect(made.status()).toBe(201);
  await page.getByRole("link", { name: "Users" }).click();
  await page.getByRole("searchbox", { name: "Search by e-mail or name" }).fill(learner);
  await expect(page.getByRole("row").filter({ hasText: learner })).toHaveCount(1);
  await expect(page.getByLabel(`Role of ${learner}`)).toBeDisabled();
  await expectAccessible(page, "users");
  await page.getByRole("link", { name: "Dead letters" }).click();
  await expect(page.getByRole("heading", { name: "Dead letters" })).toBeVisible();
  await expectAccessible(page, "dead letters");

  // Content: a pack folder uploaded from this computer; a broken one is refused with each
  // problem named and nothing stored, the fixed one imported and listed.
  const folder = mkdtempSync(join(tmpdir(), "tessera-pack-"));
  const pack = join(folder, "quick-pack");
  mkdirSync(join(pack, "lessons", "c"), { recursive: true });
  writeFileSync(
    join(pack, "pack.json"),
    JSON.stringify({ id: "quick-pack", version: "1.0.0", title: "Quick pack", tracks: [{ id: "quick", title: "Quick wins", description: "One easy lesson.", courses: [{ id: "quick-course", title: "Quick course", modules: [{ id: "quick-module", title: "Easy", lessons: ["c"] }] }] }] }),
  );
  writeFileSync(
    join(pack, "lessons", "c.json"),
    JSON.stringify({ id: "c", title: "Booleans", topic: "quick.c", steps: [{ id: "c.read", kind: "explanation", text_file: "c/read.md" }, { id: "c.q1", kind: "quiz", question: { kind: "true_false", prompt: "True is a boolean", answer_key: { correct: true } } }] }),
  );
  await page.getByRole("link", { name: "Content", exact: true }).click();
  await expect(page.getByRole("table", { name: "Imported packs" })).toContainText("python-basics");
  await page.getByLabel("The pack's folder (the one with pack.json)").setInputFiles(pack);
  await expect(page.getByText("2 files read")).toBeVisible();
  await page.getByRole("button", { name: "Check only" }).click();
  await expect(page.getByRole("alert")).toContainText("nothing was stored");
  await expect(page.locator(".problems")).toContainText("c/read.md");
  writeFileSync(join(pack, "lessons", "c", "read.md"), "Booleans are True or False.\n");
  await page.getByLabel("The pack's folder (the one with pack.json)").setInputFiles(pack);
  await expect(page.getByText("3 files read")).toBeVisible();
  await page.getByRole("button", { name: "Import" }).click();
  await expect(page.getByTestId("upload-report")).toHaveText("quick-pack 1.0.0: imported (1 lessons, 2 steps)");
  await expect(page.getByRole("table", { name: "Imported packs" })).toContainText("quick-pack");
  await expectAccessible(page, "content");
  await screenshot(page, "desktop-content");
  rmSync(folder, { recursive: true, force: true });

  // Plugins are for super admins only: not in an admin's navigation, refused if typed in.
  await expect(page.getByRole("link", { name: "Plugins" })).toHaveCount(0);
  await page.goto("/console/plugins");
  await expect(page.getByRole("heading", { name: "Not for your role" })).toBeVisible();

  await page.goto("/learn/profile");
  await signOut(page);
  await signIn(page, superAdmin, password);
  // A super admin makes the learner a teacher, then disables the account: sign-in refused.
  await page.getByRole("link", { name: "Users" }).click();
  await page.getByRole("searchbox", { name: "Search by e-mail or name" }).fill(learner);
  await page.getByLabel(`Role of ${learner}`).selectOption("teacher");
  await expect(page.getByRole("status")).toContainText(`${learner}: teacher, enabled.`);
  await page.getByRole("button", { name: `Disable ${learner}` }).click();
  await expect(page.getByRole("status")).toContainText(`${learner}: teacher, disabled.`);
  const refused = await request.post("/api/v1/auth/login", { data: { email: learner, password: "Correct-Horse-Battery-9" } });
  expect(refused.status()).toBe(403);
  await screenshot(page, "desktop-users");

  await page.getByRole("link", { name: "Plugins" }).click();
  const row = page.getByRole("row").filter({ hasText: "quiz-grader" });
  await expect(row).toContainText("grader-plugin@0.1.0");
  await expectAccessible(page, "plugins");
  await screenshot(page, "desktop-plugins");
  await page.getByRole("button", { name: "Reload from disk" }).click();
  await expect(page.getByTestId("reload-summary")).toHaveText("0 added, 0 updated, 15 unchanged, 0 removed, 0 failed");
  expect(csp, "Content-Security-Policy violations").toEqual([]);
});
