// The tutor chat: a question with code and its error goes to the debug agent; the answer
// arrives over the event stream; asking again about the same error climbs the hint ladder;
// the conversation is listed and reopens with its messages.
import { expect, test } from "@playwright/test";
import { collectCspViolations, expectAccessible, screenshot, signUp } from "./support";

test("the tutor answers a debugging question and climbs the hint ladder", async ({ page }) => {
  const csp = collectCspViolations(page);
  await signUp(page, "Tina Tutor");
  await page.getByRole("link", { name: "Tutor" }).click();
  await expect(page.getByRole("heading", { name: "Tutor", level: 1 })).toBeVisible();

  await page.getByLabel("Your question").fill("Why do I get IndexError: list index out of range?");
  await page.getByText("Add your code or an error message").click();
  await page.getByLabel("Code", { exact: true }).fill("xs = [1, 2]\nprint(xs[2])");
  await page.getByLabel("Error message or traceback").fill("Traceback (most recent call last):\n  File \"main.py\", line 2, in <module>\nIndexError: list index out of range");
  await page.getByRole("button", { name: "Ask" }).click();
  const answers = page.locator(".message.assistant");
  await expect(answers).toHaveCount(1, { timeout: 60_000 });
  await expect(answers.first()).toContainText("Tutor (debug)");
  await expect(page.getByTestId("hint-rung")).toContainText("Hint 1 of 4");
  await expectAccessible(page, "tutor");
  await screenshot(page, "desktop-tutor");

  await page.getByLabel("Your question").fill("I still get the same IndexError, what is wrong?");
  await page.getByRole("button", { name: "Ask" }).click();
  await expect(answers).toHaveCount(2, { timeout: 60_000 });
  await expect(page.getByTestId("hint-rung")).toContainText("Hint 2 of 4");

  // The conversation is listed and reopens with its four messages.
  await page.getByRole("button", { name: "New conversation" }).click();
  await expect(page.locator(".message")).toHaveCount(0);
  const listed = page.getByRole("navigation", { name: "Conversations" }).locator("ul button");
  await expect(listed).toHaveCount(1);
  await listed.first().click();
  await expect(page.locator(".message")).toHaveCount(4);
  expect(csp, "Content-Security-Policy violations").toEqual([]);
});
