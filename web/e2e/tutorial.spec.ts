// Seed 004's tutorial overlay in the learner app: an admin writes the tutorial and runs an
// A/B test on it; a new learner sees their variant's steps, goes through them and answers
// the survey, and the results count them; a second learner's pings made offline are
// replayed when the browser is back online.
import { expect, test, type APIRequestContext } from "@playwright/test";
import { collectCspViolations, expectAccessible, screenshot, signUp } from "./support";

const admin = process.env.TESSERA_ADMIN_EMAIL!;
const password = process.env.TESSERA_STAFF_PASSWORD!;

async function adminHeaders(request: APIRequestContext) {
  const login = await request.post("/api/v1/auth/login", { data: { email: admin, password } });
  expect(login.status()).toBe(200);
  return { authorization: `Bearer ${(await login.json()).access_token as string}` };
}

test("a learner goes through their variant of the tour and the survey; offline pings are replayed", async ({ page, browser, request }) => {
  const csp = collectCspViolations(page);
  const headers = await adminHeaders(request);
  const tour = {
    title: "Welcome",
    steps: [
      { id: "intro", title: "Welcome to Tessera", cta: "Next", body: "A lesson a day keeps the streak alive." },
      { id: "tutor", title: "Stuck? Ask the tutor", cta: "Got it" },
    ],
  };
  expect((await request.put("/api/v1/admin/tutorials/welcome-tour", { headers, data: tour })).status()).toBe(200);
  const experiment = {
    id: "welcome-web",
    tutorialId: "welcome-tour",
    variants: [
      { id: "control", weight: 50 },
      { id: "short", weight: 50, steps: [{ id: "intro", title: "Hi! Ready?", cta: "Let's go" }] },
    ],
  };
  expect((await request.post("/api/v1/admin/experiments", { headers, data: experiment })).status()).toBe(201);
  expect((await request.patch("/api/v1/admin/experiments/welcome-web", { headers, data: { status: "running" } })).status()).toBe(200);

  await signUp(page, "Tess Tour");
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  const variant = (await dialog.getAttribute("data-variant"))!;
  expect(["control", "short"]).toContain(variant);
  const titles = variant === "control" ? ["Welcome to Tessera", "Stuck? Ask the tutor"] : ["Hi! Ready?"];
  await expectAccessible(page, "tutorial overlay");
  await screenshot(page, "desktop-tutorial");
  for (const [i, title] of titles.entries()) {
    await expect(dialog.getByRole("heading", { name: title })).toBeVisible();
    await expect(dialog).toContainText(`Step ${i + 1} of ${titles.length}`);
    await dialog.getByRole("button", { name: variant === "control" ? (i === 0 ? "Next" : "Got it") : "Let's go" }).click();
  }
  await dialog.getByLabel("9", { exact: true }).check();
  await dialog.getByLabel("Anything to add? (optional)").fill("Clear and friendly");
  await dialog.getByRole("button", { name: "Send" }).click();
  await expect(dialog.getByRole("heading", { name: "Thank you!" })).toBeVisible();
  await dialog.getByRole("button", { name: "Start learning" }).click();
  await expect(dialog).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole("heading", { name: "Today's lesson" })).toBeVisible();
  await expect(page.getByRole("dialog")).toHaveCount(0);

  // A second learner goes offline in the middle of the tour.
  const context = await browser.newContext();
  const other = await context.newPage();
  await signUp(other, "Olly Offline");
  const tourDialog = other.getByRole("dialog");
  await expect(tourDialog).toBeVisible();
  const otherVariant = (await tourDialog.getAttribute("data-variant"))!;
  await context.setOffline(true);
  await tourDialog.getByRole("button", { name: otherVariant === "control" ? "Next" : "Let's go" }).click();
  await expect(other.getByText(/answers? waiting to be sent/)).toBeVisible();
  await context.setOffline(false);
  await expect(other.getByText(/sent after reconnecting/)).toBeVisible();
  await context.close();

  // The results count both learners: each entered; the first finished and answered 9.
  await expect
    .poll(async () => {
      const results = await (await request.get("/api/v1/admin/experiments/welcome-web/results", { headers })).json();
      const v = (name: string) => results.variants.find((x: { variant: string }) => x.variant === name);
      const entered = v("control").entered + v("short").entered;
      return [entered, v(variant).finished >= 1, v(variant).nps.responses];
    })
    .toEqual([2, true, 1]);
  expect(csp, "Content-Security-Policy violations").toEqual([]);
});
