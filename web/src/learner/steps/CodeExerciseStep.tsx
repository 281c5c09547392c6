// A code exercise: the editor, Run (a plain sandbox run with optional input) and Submit
// (graded test by test). Every sandbox status is said in words, and a failing test shows
// what it expected and what the program did.
import { lazy, Suspense, useState } from "react";
import { Link } from "react-router";
import { api, json, ok, type Schemas } from "../../api/client";
import { ErrorMessage } from "../../ui/ErrorMessage";
import { Loading } from "../../ui/Loading";
import { Markdown } from "../../ui/Markdown";
import { statusText } from "../statuses";
import { TestResults } from "../TestResults";
import { ProgressNote } from "./Feedback";

const CodeEditor = lazy(() => import("../CodeEditor"));

type Step = Schemas["StepView"];
type Result = Schemas["ExerciseResult"];

interface RunReply {
  status: string;
  stdout: string;
  stderr: string;
  exit_code: number | null;
  error: { type: string; message: string; line?: number | null } | null;
  duration_ms: number;
}


export function CodeExerciseStep({ step, onAnswered }: { step: Step; onAnswered: (r: Result) => void }) {
  const [code, setCode] = useState(step.starter_code ?? "");
  const [stdin, setStdin] = useState("");
  const [run, setRun] = useState<RunReply | null>(null);
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<"run" | "submit" | null>(null);
  const started = useState(() => Date.now())[0];

  async function doRun() {
    setBusy("run");
    setError(null);
    try {
      setRun(await json<RunReply>("/api/v1/sandbox/run", { method: "POST", body: JSON.stringify({ code, stdin }) }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  }

  async function submit() {
    setBusy("submit");
    setError(null);
    try {
      setResult(
        await ok(
          api.POST("/api/v1/exercises/{step_id}/submit", {
            params: { path: { step_id: step.id } },
            body: { code, duration_ms: Math.min(Date.now() - started, 3_600_000) },
          }),
        ),
      );
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="stack exercise">
      <Markdown text={step.body} title={step.title} />
      <Suspense fallback={<Loading label="Loading the editor…" />}>
        <CodeEditor value={code} onChange={setCode} label={`Your Python code for ${step.title}`} />
      </Suspense>
      <details>
        <summary>Input for Run (optional)</summary>
        <label>
          Standard input
          <textarea rows={3} value={stdin} onChange={(e) => setStdin(e.target.value)} />
        </label>
      </details>
      <div className="actions">
        <button type="button" onClick={doRun} disabled={busy !== null}>
          {busy === "run" ? "Running…" : "Run"}
        </button>
        <button type="button" className="primary" onClick={submit} disabled={busy !== null}>
          {busy === "submit" ? "Checking…" : "Submit"}
        </button>
      </div>
      <ErrorMessage error={error} />
      {(run?.error || (result && !result.passed)) && (
        <p>
          Stuck?{" "}
          <Link
            to="/learn/tutor"
            state={{ code, step_id: step.id, error: run?.error ? `${run.error.type}: ${run.error.message}${run.error.line ? ` (line ${run.error.line})` : ""}\n${run.stderr}` : result?.feedback }}
          >
            Ask the tutor about this
          </Link>
        </p>
      )}
      {run && (
        <section className="run-output" aria-live="polite" aria-label="Run output">
          <p>
            Your program <strong data-testid="run-status">{statusText(run.status)}</strong>
            {run.error && (
              <>
                : {run.error.type}: {run.error.message}
                {run.error.line ? ` (line ${run.error.line})` : ""}
              </>
            )}{" "}
            <span className="hint">({run.duration_ms.toFixed(0)} ms)</span>
          </p>
          {run.stdout && (
            <>
              <h4>Output</h4>
              <pre>{run.stdout}</pre>
            </>
          )}
          {run.stderr && (
            <>
              <h4>Errors</h4>
              <pre className="stderr">{run.stderr}</pre>
            </>
          )}
        </section>
      )}
      {result && (
        <section className={`feedback ${result.passed ? "right" : "wrong"}`} role="status" aria-label="Test results">
          <p className="verdict">
            <strong>{result.passed ? "All tests pass!" : "Not yet."}</strong> {result.feedback}
          </p>
          <TestResults details={result.details} />
          <ProgressNote progress={result.progress} />
          {result.passed && (
            <button type="button" className="primary" onClick={() => onAnswered(result)} autoFocus>
              Continue
            </button>
          )}
        </section>
      )}
    </div>
  );
}
