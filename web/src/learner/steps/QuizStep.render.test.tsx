import { cleanup, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { QuizStep } from "./QuizStep";

afterEach(cleanup);

function step(kind: string, options: string[], multiple = false) {
  return {
    id: "l.q1",
    lesson_id: "l",
    position: 1,
    kind: "quiz",
    title: "Q",
    body: "",
    tone_applied: false,
    xp: 10,
    question: { kind, prompt: "Which?", options, multiple_answers: multiple },
    starter_code: null,
    rubric: null,
    done: false,
    submit_to: "/api/v1/steps/l.q1/quiz",
  };
}

describe("QuizStep", () => {
  it("offers radio buttons for one right answer and checkboxes for several", () => {
    render(<QuizStep step={step("multiple_choice", ["a", "b"]) as never} onAnswered={() => undefined} />);
    expect(screen.getAllByRole("radio")).toHaveLength(2);
    expect(screen.getByText("Select one answer")).toBeTruthy();
    cleanup();
    render(<QuizStep step={step("multiple_choice", ["a", "b", "c"], true) as never} onAnswered={() => undefined} />);
    expect(screen.getAllByRole("checkbox")).toHaveLength(3);
  });

  it("says what is missing instead of sending an empty answer", async () => {
    const fetch = vi.spyOn(globalThis, "fetch");
    render(<QuizStep step={step("true_false", []) as never} onAnswered={() => undefined} />);
    await userEvent.click(screen.getByRole("button", { name: "Check answer" }));
    expect(screen.getByRole("alert").textContent).toContain("Choose true or false.");
    expect(fetch).not.toHaveBeenCalled();
  });

  it("moves ordering items with buttons that name the item", async () => {
    render(<QuizStep step={step("ordering", ["second", "first"]) as never} onAnswered={() => undefined} />);
    await userEvent.click(screen.getByRole("button", { name: "Move “first” up" }));
    expect(screen.getAllByRole("listitem").map((li) => li.querySelector("code")!.textContent)).toEqual(["first", "second"]);
    expect((screen.getByRole("button", { name: "Move “first” up" }) as HTMLButtonElement).disabled).toBe(true);
  });
});
