// The installable app offline: the service worker serves the app's files, the lesson
// saved on the device is shown, an answer given offline waits in the outbox and is sent
// when the browser is back online.
import { expect, test } from "@playwright/test";
import { signUp } from "./support";

test("today's lesson opens offline and an offline answer is sent when back online", async ({ page, context }) => {
  await signUp(page, "Olga Offline");
  await expect(page.getByRole("heading", { name: "Today's lesson" })).toBeVisible();
  // Installed: the worker has cached the app and controls the page after a reload.
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await page.reload();
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  const manifest = await page.request.get("/manifest.webmanifest");
  expect((await manifest.json()).start_url).toBe("/learn");

  // Read the explanation online; the quiz after it is the lesson kept on the device.
  await page.locator('article.step[data-step-kind="explanation"]').getByRole("button", { name: "Continue" }).click();
  const quiz = page.locator('article.step[data-step-id="values-and-variables.q1"]');
  await expect(quiz).toBeVisible();

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByText("You are offline: this is the lesson saved on this device")).toBeVisible();
  await expect(quiz).toBeVisible();
  await quiz.locator("label.option").nth(0).click();
  await quiz.getByRole("button", { name: "Check answer" }).click();
  await expect(quiz.getByRole("alert")).toContainText("your answer is saved");
  await expect(page.getByText("1 answer waiting to be sent")).toBeVisible();

  await context.setOffline(false);
  await expect(page.getByText("1 answer sent after reconnecting")).toBeVisible();
  // The server has it: the plan moved on past the quiz.
  await page.reload();
  await expect(page.locator("article.step")).toBeVisible();
  await expect(quiz).toHaveCount(0);
});
