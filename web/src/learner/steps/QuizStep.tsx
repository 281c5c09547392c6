// A quiz step of any kind the graders serve: multiple choice (one or several answers),
// true/false, short answer, numeric (with a unit) and ordering. The answer goes to
// `POST /steps/{id}/quiz` in the kind's shape (docs/grading.md).
import { useState, type FormEvent } from "react";
import { api, ok, type Schemas } from "../../api/client";
import { ErrorMessage } from "../../ui/ErrorMessage";
import { Markdown } from "../../ui/Markdown";
import { queueAnswer } from "../offline";
import { Parts, ProgressNote } from "./Feedback";

type Step = Schemas["StepView"];
type Question = Schemas["QuestionView"];
type Feedback = Schemas["QuizFeedback"];

/** The answer object the question's grader takes, or a message saying what is missing. */
export function answerOf(question: Question, state: AnswerState): { answers: Record<string, unknown> } | { missing: string } {
  switch (question.kind) {
    case "multiple_choice":
      return state.selected.length > 0 ? { answers: { selected: [...state.selected].sort((a, b) => a - b) } } : { missing: "Choose an answer." };
    case "true_false":
      return state.value === null ? { missing: "Choose true or false." } : { answers: { value: state.value } };
    case "ordering":
      return { answers: { order: state.order ?? question.options } };
    default:
      return state.text.trim() ? { answers: { text: state.text } } : { missing: "Type your answer." };
  }
}

export interface AnswerState {
  selected: number[];
  value: boolean | null;
  text: string;
  order: string[] | null;
}

export function QuizStep({ step, onAnswered }: { step: Step; onAnswered: (f: Feedback) => void }) {
  const question = step.question!;
  const [state, setState] = useState<AnswerState>({ selected: [], value: null, text: "", order: null });
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const started = useState(() => Date.now())[0];

  async function submit(e: FormEvent) {
    e.preventDefault();
    const answer = answerOf(question, state);
    if ("missing" in answer) {
      setError(new Error(answer.missing));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const result = await ok(
        api.POST("/api/v1/steps/{step_id}/quiz", {
          params: { path: { step_id: step.id } },
          body: { answers: answer.answers, duration_ms: Math.min(Date.now() - started, 3_600_000) },
        }),
      );
      setFeedback(result);
    } catch (err) {
      if ((err as { code?: string }).code === "OFFLINE") {
        queueAnswer(`/api/v1/steps/${encodeURIComponent(step.id)}/quiz`, { answers: answer.answers });
        setError(new Error("You are offline: your answer is saved and will be checked when you are back online."));
      } else {
        setError(err);
      }
    } finally {
      setBusy(false);
    }
  }

  const name = `q-${step.id}`;
  const locked = feedback !== null;
  return (
    <form onSubmit={submit} className="stack quiz" aria-labelledby={`${name}-prompt`}>
      <div id={`${name}-prompt`}>
        <Markdown text={question.prompt} />
      </div>
      {question.kind === "multiple_choice" && (
        <fieldset disabled={locked}>
          <legend>{question.multiple_answers ? "Select every right answer" : "Select one answer"}</legend>
          {question.options.map((option, i) => (
            <label key={i} className="option">
              <input
                type={question.multiple_answers ? "checkbox" : "radio"}
                name={name}
                checked={state.selected.includes(i)}
                onChange={(e) =>
                  setState({
                    ...state,
                    selected: question.multiple_answers
                      ? e.target.checked
                        ? [...state.selected, i]
                        : state.selected.filter((s) => s !== i)
                      : [i],
                  })
                }
              />
              <Markdown text={option} />
            </label>
          ))}
        </fieldset>
      )}
      {question.kind === "true_false" && (
        <fieldset disabled={locked}>
          <legend>True or false?</legend>
          {[true, false].map((v) => (
            <label key={String(v)} className="option">
              <input type="radio" name={name} checked={state.value === v} onChange={() => setState({ ...state, value: v })} />
              {v ? "True" : "False"}
            </label>
          ))}
        </fieldset>
      )}
      {question.kind === "ordering" && <Ordering items={state.order ?? question.options} disabled={locked} onChange={(order) => setState({ ...state, order })} />}
      {!["multiple_choice", "true_false", "ordering"].includes(question.kind) && (
        <label>
          {question.kind === "numeric" ? "Your answer (a number, with its unit if it has one)" : "Your answer"}
          <input
            type="text"
            inputMode={question.kind === "numeric" ? "decimal" : "text"}
            value={state.text}
            disabled={locked}
            onChange={(e) => setState({ ...state, text: e.target.value })}
          />
        </label>
      )}
      <ErrorMessage error={error} />
      {!locked && (
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Checking…" : "Check answer"}
        </button>
      )}
      {feedback && (
        <div className={`feedback ${feedback.correct ? "right" : "wrong"}`} role="status">
          <p className="verdict">
            <strong>{feedback.correct ? "Correct!" : feedback.score > 0 ? `Partly right (${Math.round(feedback.score * 100)}%)` : "Not quite."}</strong>{" "}
            {feedback.feedback}
          </p>
          {feedback.explanation && <Markdown text={feedback.explanation} />}
          <Parts parts={question.kind === "multiple_choice" ? feedback.parts.map((p) => ({ ...p, part: question.options[Number(p.part)] ?? p.part })) : feedback.parts} />
          <ProgressNote progress={feedback.progress} />
          <button type="button" className="primary" onClick={() => onAnswered(feedback)} autoFocus>
            Continue
          </button>
        </div>
      )}
    </form>
  );
}

/** An ordering answer: each item moves up or down with buttons (keyboard and screen readers alike). */
function Ordering({ items, disabled, onChange }: { items: string[]; disabled: boolean; onChange: (order: string[]) => void }) {
  const move = (i: number, by: number) => {
    const next = [...items];
    const j = i + by;
    if (j < 0 || j >= next.length) return;
    [next[i], next[j]] = [next[j]!, next[i]!];
    onChange(next);
  };
  return (
    <fieldset disabled={disabled}>
      <legend>Put the items in order (first at the top)</legend>
      <ol className="ordering">
        {items.map((item, i) => (
          <li key={item}>
            <code>{item}</code>
            <span className="moves">
              <button type="button" onClick={() => move(i, -1)} disabled={i === 0} aria-label={`Move “${item.trim()}” up`}>
                ↑
              </button>
              <button type="button" onClick={() => move(i, 1)} disabled={i === items.length - 1} aria-label={`Move “${item.trim()}” down`}>
                ↓
              </button>
            </span>
          </li>
        ))}
      </ol>
    </fieldset>
  );
}
