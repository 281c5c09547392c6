// A teacher creates a class; a learner joins it and keeps hitting the same error on an
// exercise; the struggle alert appears on the teacher's open alerts page without a reload.
import { expect, test } from "@playwright/test";
import { PASSWORD, collectCspViolations, expectAccessible, screenshot, signUp, uniqueEmail } from "./support";

test("a teacher sees a struggle alert appear live", async ({ page, request }) => {
  const csp = collectCspViolations(page);
  await signUp(page, "Grace Hopper", "teacher");
  await expect(page).toHaveURL(/\/console\/classes$/);
  await page.getByLabel("New class name").fill("Python 101");
  await page.getByRole("button", { name: "Create class" }).click();
  const code = (await page.getByTestId("join-code").first().textContent())!.trim();
  expect(code).not.toBe("");
  await expectAccessible(page, "classes");
  await screenshot(page, "desktop-classes");

  // The learner, through the API as the mobile app would.
  const registered = await request.post("/api/v1/auth/register", {
    data: { email: uniqueEmail("alan"), password: PASSWORD, full_name: "Alan Turing" },
  });
  expect(registered.status()).toBe(201);
  const headers = { authorization: `Bearer ${(await registered.json()).access_token as string}` };
  expect((await request.post("/api/v1/classes/join", { headers, data: { code } })).status()).toBe(200);

  await page.getByRole("link", { name: "Alerts" }).click();
  await expect(page.getByText("Live: new alerts appear here")).toBeVisible();
  await expect(page.getByText("No open alerts")).toBeVisible();

  // The same ZeroDivisionError three times on one exercise (three different programs: an
  // identical one is answered from the stored result): a repeated-error alert.
  for (let i = 0; i < 3; i++) {
    const graded = await request.post("/api/v1/exercises/values-and-variables.ex1/submit", { headers, data: { code: `print(${i + 1} / 0)` } });
    expect(graded.status()).toBe(200);
  }
  const alert = page.getByTestId("alert").filter({ hasText: "Alan Turing" });
  await expect(alert).toBeVisible();
  await expect(alert).toContainText("keeps hitting the same error");
  await expectAccessible(page, "alerts");
  await screenshot(page, "desktop-alerts");

  await alert.getByRole("button", { name: "Acknowledge" }).click();
  await expect(alert).toHaveCount(0);
  expect(csp, "Content-Security-Policy violations").toEqual([]);
});
