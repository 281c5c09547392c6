// The mini-project: code and a write-up, graded by a model against the rubric in the
// background. The page polls the submission until it is graded (or failed).
import { lazy, Suspense, useEffect, useState } from "react";
import { api, ok, type Schemas } from "../../api/client";
import { ErrorMessage } from "../../ui/ErrorMessage";
import { Loading } from "../../ui/Loading";
import { Markdown } from "../../ui/Markdown";
import { ProgressNote } from "./Feedback";

const CodeEditor = lazy(() => import("../CodeEditor"));

type Step = Schemas["StepView"];
type Score = Schemas["ProjectScore"];

const STATUS: Record<string, string> = {
  queued: "Queued for grading…",
  grading: "Being graded…",
  graded: "Graded",
  failed: "Grading failed",
};

export function MiniProjectStep({ step, onAnswered }: { step: Step; onAnswered: () => void }) {
  const [code, setCode] = useState(step.starter_code ?? "");
  const [text, setText] = useState("");
  const [score, setScore] = useState<Score | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!score || score.status === "graded" || score.status === "failed") return;
    const timer = setTimeout(async () => {
      try {
        setScore(await ok(api.GET("/api/v1/projects/submissions/{id}", { params: { path: { id: score.submission_id } } })));
      } catch (e) {
        setError(e);
      }
    }, 1000);
    return () => clearTimeout(timer);
  }, [score]);

  async function submit() {
    setBusy(true);
    setError(null);
    try {
      const reply = await ok(
        api.POST("/api/v1/projects/{project_id}/submissions", {
          params: { path: { project_id: step.id } },
          body: { code, text } as never,
          headers: { "idempotency-key": crypto.randomUUID() },
        }),
      );
      setScore(reply);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="stack project">
      <Markdown text={step.body} title={step.title} />
      {step.rubric && step.rubric.length > 0 && (
        <section>
          <h3>How it is graded</h3>
          <ul>
            {step.rubric.map((c) => (
              <li key={c.id}>
                {c.criterion} <span className="hint">({c.points} points)</span>
              </li>
            ))}
          </ul>
        </section>
      )}
      <Suspense fallback={<Loading label="Loading the editor…" />}>
        <CodeEditor value={code} onChange={setCode} label="Your project's code" />
      </Suspense>
      <label>
        Tell us about your project
        <textarea rows={4} value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      <ErrorMessage error={error} />
      {(!score || score.status === "failed") && (
        <button type="button" className="primary" onClick={submit} disabled={busy}>
          {busy ? "Sending…" : "Submit project"}
        </button>
      )}
      {score && (
        <section className="feedback" role="status" aria-live="polite">
          <p className="verdict">
            <strong>{STATUS[score.status] ?? score.status}</strong>
            {score.score != null && ` — ${Math.round(score.score * 100)}%`}
          </p>
          {score.error && <p>{score.error}</p>}
          {score.feedback && <Markdown text={score.feedback} />}
          {score.criteria.length > 0 && (
            <ul className="parts">
              {score.criteria.map((c) => (
                <li key={c.id}>
                  <strong>{c.criterion}</strong>: {c.points}/{c.max_points} — {c.feedback}
                </li>
              ))}
            </ul>
          )}
          <ProgressNote progress={score.progress} />
          {score.status === "graded" && (
            <button type="button" className="primary" onClick={onAnswered} autoFocus>
              Continue
            </button>
          )}
        </section>
      )}
    </div>
  );
}
