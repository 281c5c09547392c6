import { describe, expect, it } from "vitest";
import { answerOf, type AnswerState } from "./QuizStep";

const empty: AnswerState = { selected: [], value: null, text: "", order: null };
const q = (kind: string, options: string[] = [], multiple = false) => ({ kind, prompt: "?", options, multiple_answers: multiple });

describe("answerOf: the answer in each grader's shape (docs/grading.md)", () => {
  it("multiple choice sends the chosen indices, sorted, and asks for a choice when none is made", () => {
    expect(answerOf(q("multiple_choice", ["a", "b", "c"], true), { ...empty, selected: [2, 0] })).toEqual({ answers: { selected: [0, 2] } });
    expect(answerOf(q("multiple_choice", ["a"]), empty)).toEqual({ missing: "Choose an answer." });
  });

  it("true/false sends a boolean, false included", () => {
    expect(answerOf(q("true_false"), { ...empty, value: false })).toEqual({ answers: { value: false } });
    expect(answerOf(q("true_false"), empty)).toEqual({ missing: "Choose true or false." });
  });

  it("short answer and numeric send the text as typed (the grader normalises it)", () => {
    expect(answerOf(q("short_answer"), { ...empty, text: " Paris " })).toEqual({ answers: { text: " Paris " } });
    expect(answerOf(q("numeric"), { ...empty, text: "9.8 m/s^2" })).toEqual({ answers: { text: "9.8 m/s^2" } });
    expect(answerOf(q("numeric"), { ...empty, text: "   " })).toEqual({ missing: "Type your answer." });
  });

  it("ordering sends the items by text, as displayed when untouched", () => {
    expect(answerOf(q("ordering", ["b", "a"]), empty)).toEqual({ answers: { order: ["b", "a"] } });
    expect(answerOf(q("ordering", ["b", "a"]), { ...empty, order: ["a", "b"] })).toEqual({ answers: { order: ["a", "b"] } });
  });
});
