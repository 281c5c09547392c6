// An admin reads the AI spend dashboard (after AI requests were made) with a user's budget,
// the safety events, the experiments, the users and the dead letters; a super admin sees
// the providers' breakers (the test's gateway routes first to `flaky`, a provider
// answering 503 whose breaker opens at once), moves a learner to another tier, changes a
// user's role and disables the account, and sees the plugins with their calls and reloads
// them; publishes a new version of a plugin as a canary, promotes it and rolls it back.
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
  // No model named: the default route tries `flaky` (503, its breaker opens), then the
  // offline model answers.
  const fallback = await request.post("/v1/chat/completions", { headers, data: { messages: [{ role: "user", content: "What is a tuple?" }] } });
  expect(fallback.status()).toBe(200);
  expect((await fallback.json()).model).toBe("tessera-offline");

  await signIn(page, admin, password);
  await expect(page).toHaveURL(/\/console\/ai$/);
  await expect(page.getByRole("heading", { name: "AI spend" })).toBeVisible();
  await expect(page.getByTestId("month-spend")).toContainText("$");
  const perFeature = page.getByRole("table", { name: "Per feature" });
  await expect(perFeature).toContainText("chat-completions");
  await expect(perFeature.getByRole("row").filter({ hasText: "chat-completions" })).toContainText("3");
  await expect(page.getByRole("table", { name: "Per model" })).toContainText("tessera-offline");
  // Per-user budgets: the tiers, and the admin's own day (the offline model's answers
  // are free: no tokens are charged for them).
  const tiers = page.getByRole("table", { name: "Daily tokens per user, by plan tier" });
  await expect(tiers.getByRole("row").filter({ hasText: "free" })).toContainText("50,000 tokens");
  await page.getByRole("searchbox", { name: "A user's budget: e-mail or name" }).fill(admin);
  await page.getByRole("button", { name: "Look up" }).click();
  await expect(page.getByTestId("user-budget")).toContainText("Tier free: 0 of 50,000 tokens used today, 50,000 left");
  await expect(page.getByText("Tiers are changed by super admins.")).toBeVisible();
  // The providers' breakers are for super admins.
  await expect(page.getByRole("heading", { name: "AI providers" })).toHaveCount(0);
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
  const superLogin = await request.post("/api/v1/auth/login", { data: { email: superAdmin, password } });
  const superHeaders = { authorization: `Bearer ${(await superLogin.json()).access_token as string}` };
  // The providers: `flaky` is open, the offline model keeps answering.
  await page.getByRole("link", { name: "AI spend" }).click();
  await expect(page.getByRole("heading", { name: "AI providers" })).toBeVisible();
  await expect(page.getByTestId("provider-flaky")).toContainText(/open: requests go to the fallbacks until /);
  await expect(page.getByTestId("provider-flaky")).toContainText("gpt-flaky");
  // The learner moves to the premium tier: ten times the daily budget.
  await page.getByRole("searchbox", { name: "A user's budget: e-mail or name" }).fill(learner);
  await page.getByRole("button", { name: "Look up" }).click();
  await expect(page.getByTestId("user-budget")).toContainText("Tier free: 0 of 50,000 tokens used today");
  await page.getByLabel("Plan tier").selectOption("premium");
  await expect(page.getByRole("status")).toContainText(`${learner} is now on the premium tier.`);
  await expect(page.getByTestId("user-budget")).toContainText("Tier premium: 0 of 500,000 tokens used today");
  await expectAccessible(page, "AI spend (super admin)");
  await page.getByRole("heading", { name: "AI providers" }).scrollIntoViewIfNeeded();
  await screenshot(page, "desktop-ai-providers");
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
  await expect(page.getByTestId("reload-summary")).toHaveText("0 added, 0 updated, 19 unchanged, 0 removed, 0 failed");

  // The registry: quiz-grader 0.1.1 (the same component under a new version) published as
  // the canary for a quarter of the users, promoted, then rolled back to the folder's 0.1.0.
  const manifestFile = join(mkdtempSync(join(tmpdir(), "tessera-plugin-")), "plugin.toml");
  writeFileSync(
    manifestFile,
    'id = "quiz-grader"\nversion = "0.1.1"\ncontract = "0.1.0"\nworld = "grader-plugin"\ncomponent = "quiz_grader.wasm"\n[routing]\nkinds = ["multiple_choice", "true_false", "short_answer", "numeric"]\n',
  );
  await page.getByLabel("Manifest (plugin.toml)").setInputFiles(manifestFile);
  await page.getByLabel("Component (.wasm)").setInputFiles("../dist/components/quiz_grader.wasm");
  await page.getByLabel("Canary share (% of users)").fill("25");
  await page.getByRole("button", { name: "Publish" }).click();
  await expect(page.getByTestId("publish-report")).toHaveText("quiz-grader 0.1.1 published: the canary for 25 % of users.");
  await page.getByRole("button", { name: "Versions of quiz-grader" }).click();
  const rollout = page.getByTestId("rollout-quiz-grader");
  await expect(rollout).toHaveText("stable 0.1.0 (plugin folder), canary 0.1.1 for 25 % of users");
  await expectAccessible(page, "plugin versions");
  await rollout.scrollIntoViewIfNeeded();
  await screenshot(page, "desktop-plugin-versions");
  await page.getByRole("button", { name: "Promote canary" }).click();
  await expect(rollout).toHaveText("stable 0.1.1");
  await expect(page.getByRole("row").filter({ hasText: "quiz-grader" }).first()).toContainText("0.1.1");
  await page.getByRole("button", { name: "Roll back" }).click();
  await expect(rollout).toHaveText("stable 0.1.0 (plugin folder)");
  // The API agrees: the folder's version grades again.
  const graded = await request.post("/api/v1/grade", {
    headers: superHeaders,
    data: { question: { kind: "true_false", prompt: "2 + 2 = 4", answer_key: { correct: true } }, answer: { value: true } },
  });
  expect((await graded.json()).grader.version).toBe("0.1.0");
  expect(csp, "Content-Security-Policy violations").toEqual([]);
});
