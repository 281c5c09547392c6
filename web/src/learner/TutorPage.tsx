// The tutor chat: ask (with code and an error, optionally), watch the answer stream in
// (SSE), follow the suggested questions; the debug agent's hint ladder shows which rung an
// answer is on, and an exercise the tutor generates can be solved right here.
import { lazy, Suspense, useEffect, useRef, useState, type FormEvent } from "react";
import { useLocation } from "react-router";
import { api, json, ok, type Schemas } from "../api/client";
import { subscribe } from "../api/sse";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Loading } from "../ui/Loading";
import { Markdown } from "../ui/Markdown";
import { useLoad } from "../ui/useLoad";
import { TestResults } from "./TestResults";

const CodeEditor = lazy(() => import("./CodeEditor"));

type Query = Schemas["QueryView"];
type Message = Schemas["ChatMessageView"];
type Exercise = Schemas["ExerciseView"];

/** What a code exercise step passes when the learner asks about it. */
export interface AskAbout {
  code?: string;
  error?: string;
  step_id?: string;
}

/** The debug agent's hint ladder (docs/tutor.md): rung 1 to 4. */
const RUNGS = ["", "what the error means", "the likely cause", "a pointed question", "the fix"];

export function hintRung(data: unknown): number | null {
  const rung = (data as { rung?: unknown } | null)?.rung;
  return typeof rung === "number" && rung >= 1 && rung <= 4 ? rung : null;
}

export function TutorPage() {
  const about = (useLocation().state as AskAbout | null) ?? {};
  const conversations = useLoad(() => ok(api.GET("/api/v1/tutor/conversations", { params: { query: { limit: 50 } } })));
  const [conversationId, setConversationId] = useState<string | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [text, setText] = useState("");
  const [code, setCode] = useState(about.code ?? "");
  const [errorText, setErrorText] = useState(about.error ?? "");
  const [pending, setPending] = useState<{ question: string; streamed: string; status: string } | null>(null);
  const [answer, setAnswer] = useState<Query | null>(null);
  const [error, setError] = useState<unknown>(null);
  const abort = useRef<AbortController | null>(null);

  useEffect(() => () => abort.current?.abort(), []);

  async function open(id: string) {
    setError(null);
    setAnswer(null);
    try {
      const detail = await ok(api.GET("/api/v1/tutor/conversations/{conversation_id}", { params: { path: { conversation_id: id } } }));
      setConversationId(id);
      setMessages(detail.messages);
    } catch (e) {
      setError(e);
    }
  }

  async function ask(question: string) {
    if (!question.trim()) {
      setError(new Error("Type your question first."));
      return;
    }
    setError(null);
    setAnswer(null);
    setPending({ question, streamed: "", status: "sending" });
    try {
      const query = await json<Query>("/api/v1/tutor/queries", {
        method: "POST",
        headers: { "idempotency-key": crypto.randomUUID() },
        body: JSON.stringify({
          text: question,
          code: code.trim() ? code : undefined,
          error: errorText.trim() ? errorText : undefined,
          step_id: about.step_id,
          conversation_id: conversationId ?? undefined,
        }),
      });
      setText("");
      setConversationId(query.conversation_id);
      if (query.answer) {
        finish(query);
        return;
      }
      setPending({ question, streamed: "", status: "thinking" });
      abort.current?.abort();
      const controller = new AbortController();
      abort.current = controller;
      await subscribe(
        `/api/v1/tutor/queries/${query.id}/events`,
        (e) => {
          const data = JSON.parse(e.data) as Record<string, unknown>;
          if (e.event === "delta") setPending((p) => p && { ...p, status: "answering", streamed: p.streamed + String(data.text ?? "") });
          else if (e.event === "triage") setPending((p) => p && { ...p, status: `asking the ${String(data.intent)} agent` });
          else if (e.event === "answer") {
            finish(data as unknown as Query);
            controller.abort();
          } else if (e.event === "error") {
            setError(new Error(String(data.message || "The tutor could not answer.")));
            setPending(null);
            controller.abort();
          }
        },
        (state, err) => {
          if (state === "closed" && err) {
            setError(err);
            setPending(null);
          }
        },
        controller.signal,
      );
    } catch (e) {
      setError(e);
      setPending(null);
    }
  }

  function finish(query: Query) {
    setPending(null);
    setAnswer(query);
    setMessages((m) => [
      ...m,
      { id: `${query.id}-q`, role: "user", content: query.text, follow_ups: [], created_at: query.created_at } as Message,
      ...(query.answer
        ? [{ id: query.answer.message_id, role: "assistant", content: query.answer.content, agent: query.answer.agent, intent: query.answer.intent, follow_ups: query.answer.follow_ups, created_at: query.answered_at ?? query.created_at } as Message]
        : []),
    ]);
    void conversations.reload();
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    void ask(text);
  }

  const rung = answer?.answer ? hintRung(answer.answer.data) : null;
  return (
    <div className="tutor">
      <h1>Tutor</h1>
      <div className="tutor-layout">
        <nav className="card conversations" aria-label="Conversations">
          <button type="button" onClick={() => (setConversationId(null), setMessages([]), setAnswer(null))}>
            New conversation
          </button>
          <ErrorMessage error={conversations.error} onRetry={conversations.reload} />
          <ul>
            {conversations.data?.map((c) => (
              <li key={c.id}>
                <button type="button" className="link" aria-current={c.id === conversationId} onClick={() => void open(c.id)}>
                  {c.title || "Untitled"} <span className="hint">({c.message_count})</span>
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <section className="card chat" aria-label="Conversation">
          <ol className="messages" aria-live="polite">
            {messages.map((m) => (
              <li key={m.id} className={`message ${m.role}`}>
                <span className="who">{m.role === "user" ? "You" : `Tutor${m.intent ? ` (${m.intent})` : ""}`}</span>
                <Markdown text={m.content} />
              </li>
            ))}
            {pending && (
              <>
                <li className="message user">
                  <span className="who">You</span>
                  <Markdown text={pending.question} />
                </li>
                <li className="message assistant" data-testid="streaming">
                  <span className="who">Tutor ({pending.status}…)</span>
                  {pending.streamed ? <Markdown text={pending.streamed} /> : <Loading label="Thinking…" />}
                </li>
              </>
            )}
          </ol>
          {rung && (
            <p className="hint-ladder" data-testid="hint-rung">
              Hint {rung} of 4: {RUNGS[rung]}. {rung < 4 ? "Ask again about the same error for the next hint." : ""}
            </p>
          )}
          {answer?.answer?.exercise && <GeneratedExercise exercise={answer.answer.exercise} />}
          {answer?.answer && answer.answer.follow_ups.length > 0 && (
            <div className="follow-ups">
              <span className="hint">Ask next:</span>
              {answer.answer.follow_ups.map((f) => (
                <button type="button" key={f} onClick={() => void ask(f)} disabled={pending !== null}>
                  {f}
                </button>
              ))}
            </div>
          )}
          <ErrorMessage error={error} />
          <form onSubmit={submit} className="stack">
            <label>
              Your question
              <textarea rows={3} value={text} onChange={(e) => setText(e.target.value)} />
            </label>
            <details open={Boolean(about.code || about.error)}>
              <summary>Add your code or an error message</summary>
              <label>
                Code
                <textarea rows={5} className="mono" value={code} onChange={(e) => setCode(e.target.value)} />
              </label>
              <label>
                Error message or traceback
                <textarea rows={3} className="mono" value={errorText} onChange={(e) => setErrorText(e.target.value)} />
              </label>
            </details>
            <button type="submit" className="primary" disabled={pending !== null}>
              {pending ? "Waiting for the answer…" : "Ask"}
            </button>
          </form>
        </section>
      </div>
    </div>
  );
}

/** An exercise the tutor generated: solve it here, graded by its hidden tests. */
function GeneratedExercise({ exercise }: { exercise: Exercise }) {
  const [code, setCode] = useState(exercise.starter_code);
  const [result, setResult] = useState<Schemas["ExerciseResult"] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function submit() {
    setBusy(true);
    setError(null);
    try {
      setResult(await ok(api.POST("/api/v1/exercises/{step_id}/submit", { params: { path: { step_id: exercise.id } }, body: { code } })));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <section className="card exercise" aria-labelledby={`ex-${exercise.id}`}>
      <h2 id={`ex-${exercise.id}`}>
        {exercise.title} <span className="hint">({exercise.difficulty}, {exercise.tests} hidden tests)</span>
      </h2>
      <Markdown text={exercise.prompt} />
      <Suspense fallback={<Loading label="Loading the editor…" />}>
        <CodeEditor value={code} onChange={setCode} label={`Your code for ${exercise.title}`} />
      </Suspense>
      <button type="button" className="primary" onClick={() => void submit()} disabled={busy}>
        {busy ? "Checking…" : "Submit"}
      </button>
      <ErrorMessage error={error} />
      {result && (
        <div className={`feedback ${result.passed ? "right" : "wrong"}`} role="status" aria-label="Exercise results">
          <p className="verdict">
            <strong>{result.passed ? "All tests pass!" : "Not yet."}</strong> {result.feedback}
          </p>
          <TestResults details={result.details} />
        </div>
      )}
    </section>
  );
}
