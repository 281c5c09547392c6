// A new learner's whole first day in the browser, on the starter pack: sign up, every step
// of the Python track (explanations, each quiz kind with its feedback, code exercises with a
// failing then passing attempt, the mini-project graded in the background), a tone switch,
// the progress page, and the certificate's public badge link. Each main screen is checked
// with axe-core and for Content-Security-Policy violations.
import { expect, test, type Locator, type Page } from "@playwright/test";
import { collectCspViolations, expectAccessible, screenshot, setCode, signUp, starterSteps, type ContentStep } from "./support";

const steps = starterSteps();

async function currentStep(page: Page): Promise<{ id: string; kind: string } | null> {
  const article = page.locator("article.step");
  const done = page.getByRole("heading", { name: "All done for today" });
  await expect(article.or(done)).toBeVisible();
  if (await done.isVisible()) return null;
  return { id: (await article.getAttribute("data-step-id"))!, kind: (await article.getAttribute("data-step-kind"))! };
}

async function checkAnswer(step: Locator) {
  await step.getByRole("button", { name: "Check answer" }).click();
  const status = step.getByRole("status");
  await expect(status).toContainText(/Correct!/);
  return status;
}

async function answerQuiz(step: Locator, content: ContentStep) {
  const q = content.question!;
  const key = q.answer_key;
  switch (q.kind) {
    case "multiple_choice":
      for (const i of key.correct as number[]) await step.locator("label.option").nth(i).click();
      break;
    case "true_false":
      await step.getByLabel(key.correct ? "True" : "False", { exact: true }).check();
      break;
    case "short_answer":
      await step.getByLabel("Your answer").fill((key.accepted as string[])[0]!);
      break;
    case "numeric":
      await step.getByLabel(/Your answer/).fill(`${key.value as number}${key.require_unit ? ` ${key.unit as string}` : ""}`);
      break;
    case "ordering": {
      const order = key.order as string[];
      // Move each item up to its place, top to bottom, with the keyboard-reachable buttons.
      for (let target = 0; target < order.length; target++) {
        const items = await step.locator("ol.ordering li code").allTextContents();
        let at = items.indexOf(order[target]!);
        while (at > target) {
          await step.getByRole("button", { name: `Move “${order[target]!.trim()}” up` }).click();
          at -= 1;
        }
      }
      break;
    }
    default:
      throw new Error(`no answer for quiz kind ${q.kind}`);
  }
  const status = await checkAnswer(step);
  await expect(status).toContainText(/XP/);
  await status.getByRole("button", { name: "Continue" }).click();
}

test("a new learner's first day: sign-up, every step of the track, tone, progress and the badge", async ({ page }) => {
  const csp = collectCspViolations(page);
  await signUp(page, "Ada Lovelace");
  await expect(page).toHaveURL(/\/learn$/);
  await expect(page.getByRole("heading", { name: "Today's lesson" })).toBeVisible();
  await expectAccessible(page, "today (explanation)");
  await screenshot(page, "desktop-today");

  const seen = new Set<string>();
  let failedOnce = false;
  let toneSwitched = false;
  for (let guard = 0; guard < 80; guard++) {
    const current = await currentStep(page);
    if (!current) break;
    const content = steps.get(current.id);
    expect(content, `step ${current.id} of the starter pack`).toBeDefined();
    const step = page.locator(`article.step[data-step-id="${current.id}"]`);
    seen.add(current.kind === "quiz" ? content!.question!.kind : current.kind);

    if (current.kind === "explanation") {
      if (!toneSwitched && current.id !== "values-and-variables.intro") {
        // The tone switch: the same step again, rewritten by the model in the new tone.
        await page.getByLabel("Tone").selectOption("playful");
        await expect(page.getByLabel("Tone")).toHaveValue("playful");
        await expect(page.locator(`article.step[data-step-id="${current.id}"]`).getByText("Rewritten in your tone")).toBeVisible();
        toneSwitched = true;
      }
      await page.locator(`article.step[data-step-id="${current.id}"]`).getByRole("button", { name: "Continue" }).click();
    } else if (current.kind === "quiz") {
      await answerQuiz(step, content!);
    } else if (current.kind === "code_exercise") {
      if (!failedOnce) {
        // Wrong first: the failing tests say what they expected; Run shows the program's status.
        await setCode(page, 'print("not yet")');
        await step.getByRole("button", { name: "Submit" }).click();
        await expect(step.getByRole("status", { name: "Test results" })).toContainText("Not yet.");
        await expect(step.locator("table.tests tr.fail").first()).toBeVisible();
        await expectAccessible(page, "code exercise with failing tests");
        await screenshot(page, "desktop-exercise-failing");
        await setCode(page, "print(1 / 0)");
        await step.getByRole("button", { name: "Run" }).click();
        await expect(step.getByTestId("run-status")).toHaveText("stopped with an error");
        await expect(step.getByLabel("Run output")).toContainText("ZeroDivisionError");
        failedOnce = true;
      }
      await setCode(page, content!.solution!);
      await step.getByRole("button", { name: "Submit" }).click();
      const results = step.getByRole("status", { name: "Test results" });
      await expect(results).toContainText("All tests pass!");
      await results.getByRole("button", { name: "Continue" }).click();
    } else if (current.kind === "mini_project") {
      await setCode(page, PROJECT);
      await step.getByLabel("Tell us about your project").fill("My grade book averages each student's scores and prints a letter grade, and says No scores yet for an empty list.");
      await step.getByRole("button", { name: "Submit project" }).click();
      await expect(step.getByRole("status")).toContainText("Graded", { timeout: 90_000 });
      await screenshot(page, "desktop-project-graded");
      await step.getByRole("button", { name: "Continue" }).click();
    } else {
      throw new Error(`unexpected step kind ${current.kind}`);
    }
    // The next step (or the end of the day) replaces this one.
    await expect(page.locator(`article.step[data-step-id="${current.id}"]`)).toHaveCount(0);
  }

  expect([...seen].sort()).toEqual(["code_exercise", "explanation", "mini_project", "multiple_choice", "numeric", "ordering", "short_answer", "true_false"]);
  expect(toneSwitched).toBe(true);
  await expect(page.getByRole("heading", { name: "All done for today" })).toBeVisible();

  // Progress: XP, streak and mastery per topic; the certificate and its public badge.
  await page.getByRole("link", { name: "Progress" }).click();
  await expect(page.getByRole("heading", { name: "Your progress" })).toBeVisible();
  await expect(page.getByRole("table", { name: /Mastery per topic/ })).toContainText("python.functions");
  await expect(page.getByText("🔥 1 day", { exact: true }).first()).toBeVisible();
  await page.getByRole("button", { name: "Get a share link" }).click();
  const link = page.getByRole("link", { name: "Open the public badge" });
  await expect(link).toBeVisible();
  await expect(page.getByRole("img", { name: /Badge: Python/ })).toBeVisible();
  await expectAccessible(page, "progress");
  await screenshot(page, "desktop-progress");
  const badge = await page.request.get((await link.getAttribute("href"))!);
  expect(badge.status()).toBe(200);
  expect(await badge.text()).toContain("Ada Lovelace");

  expect(csp, "Content-Security-Policy violations").toEqual([]);
});

/** A grade book that meets the mini-project's rubric. */
const PROJECT = `def average(scores):
    if not scores:
        return 0
    return sum(scores) / len(scores)


def letter_grade(avg):
    if avg >= 90:
        return "A"
    if avg >= 80:
        return "B"
    if avg >= 70:
        return "C"
    if avg >= 60:
        return "D"
    return "F"


def report(name, scores):
    if not scores:
        print(name + ": No scores yet")
        return
    avg = average(scores)
    print(f"{name}: average {round(avg, 1)}, grade {letter_grade(avg)}")


report("Ada", [95, 88, 92])
report("Grace", [72, 65, 80])
report("Alan", [])
`;
