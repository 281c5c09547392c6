// Today's lesson (seed 000's getDailyLesson): the step to do now, one at a time, with the
// reviews due and the tone switch. After each answer the plan is asked again, so the
// lesson engine (a component) decides what comes next, not the page.
import { useState } from "react";
import { api, ok, type Schemas } from "../api/client";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Loading } from "../ui/Loading";
import { Markdown } from "../ui/Markdown";
import { useLoad } from "../ui/useLoad";
import { saveForOffline, loadOffline } from "./offline";
import { CodeExerciseStep } from "./steps/CodeExerciseStep";
import { MiniProjectStep } from "./steps/MiniProjectStep";
import { QuizStep } from "./steps/QuizStep";
import { ExplanationStep } from "./steps/ExplanationStep";
import { TutorialOverlay } from "./TutorialOverlay";

type Daily = Schemas["LessonStep"];

/** "1 day", "3 days". */
export function days(n: number): string {
  return `${n} day${n === 1 ? "" : "s"}`;
}

export const TONES = ["friendly", "formal", "socratic", "concise", "playful"] as const;

async function loadDaily(): Promise<Daily & { offline?: boolean }> {
  try {
    const daily = await ok(api.GET("/api/v1/lessons/daily"));
    saveForOffline(daily);
    return daily;
  } catch (e) {
    const saved = loadOffline();
    if (saved && (e as { code?: string }).code === "OFFLINE") return { ...saved, offline: true };
    throw e;
  }
}

export function TodayPage() {
  const { data: daily, error, loading, reload, setData } = useLoad(loadDaily);
  const [toneError, setToneError] = useState<unknown>(null);
  const [switching, setSwitching] = useState(false);

  if (!daily && loading) return <Loading label="Loading today's lesson…" />;
  if (!daily) return <ErrorMessage error={error} onRetry={reload} />;

  async function switchTone(tone: string) {
    if (!daily?.lesson) return;
    setSwitching(true);
    setToneError(null);
    try {
      const next = await ok(api.POST("/api/v1/lessons/{lesson_id}/tone", { params: { path: { lesson_id: daily.lesson.id } }, body: { tone } }));
      setData(next);
      saveForOffline(next);
    } catch (e) {
      setToneError(e);
    } finally {
      setSwitching(false);
    }
  }

  const { lesson, step } = daily;
  return (
    <div className="today">
      {!daily.offline && <TutorialOverlay />}
      <header className="today-header">
        <div>
          <h1>{daily.mode === "done" ? "All done for today" : daily.mode === "review" ? "Review" : "Today's lesson"}</h1>
          {lesson && (
            <p className="lesson-title">
              {lesson.course_title} › {lesson.module_title} › <strong>{lesson.title}</strong>
            </p>
          )}
        </div>
        <div className="stats" aria-label="Your progress">
          <span className="chip">🔥 {days(daily.streak_days)}</span>
          <span className="chip">{daily.total_xp} XP</span>
        </div>
      </header>
      {daily.offline && (
        <p className="notice" role="status">
          You are offline: this is the lesson saved on this device. Answers are sent when you are back online.
        </p>
      )}
      <ErrorMessage error={error} onRetry={reload} />
      {lesson && (
        <div className="lesson-meta">
          <progress max={lesson.step_count} value={lesson.completed_steps} aria-label={`Step ${lesson.completed_steps + 1} of ${lesson.step_count}`} />
          <span>
            {lesson.completed_steps} of {lesson.step_count} steps done
          </span>
          <label className="tone">
            Tone
            <select value={daily.tone} disabled={switching || daily.offline} onChange={(e) => switchTone(e.target.value)}>
              {TONES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      <ErrorMessage error={toneError} />
      {step ? (
        <article className="step card" key={`${step.id}:${daily.tone}`} aria-labelledby="step-title" data-step-id={step.id} data-step-kind={step.kind}>
          <h2 id="step-title">{step.title}</h2>
          {step.kind === "explanation" && <ExplanationStep step={step} onDone={reload} />}
          {step.kind === "quiz" && step.question && (
            <>
              {step.body && <Markdown text={step.body} />}
              <QuizStep step={step} onAnswered={reload} />
            </>
          )}
          {step.kind === "code_exercise" && <CodeExerciseStep step={step} onAnswered={reload} />}
          {step.kind === "mini_project" && <MiniProjectStep step={step} onAnswered={reload} />}
        </article>
      ) : (
        <section className="card">
          <p>{daily.reason || "Nothing left for today. Come back tomorrow to keep your streak."}</p>
        </section>
      )}
      {daily.reviews.length > 0 && (
        <section className="card" aria-labelledby="reviews-title">
          <h2 id="reviews-title">Reviews due ({daily.reviews.length})</h2>
          <p className="hint">Spaced repetition: these come back just before you would forget them.</p>
          <ul>
            {daily.reviews.map((r) => (
              <li key={r.step_id}>
                {r.topic} · {r.kind} · due {new Date(r.due_at).toLocaleString()}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
