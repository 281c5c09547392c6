// Seed 004's tutorial overlay: the learner's variant of the tutorial `welcome-tour` (an
// administrator writes it and may run an experiment on it; docs/experiments.md), shown once
// over the learner app. Each step's `started` and `completed` pings go through the outbox,
// so pings made offline are replayed later (each with its own eventId: a replay stores
// nothing twice); the last step asks the NPS survey.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { json, type Schemas } from "../api/client";
import { ErrorMessage } from "../ui/ErrorMessage";
import { flushOutbox, queueAnswer } from "./offline";

type Config = Schemas["TutorialConfig"];

/** The tutorial the web app shows (an administrator defines it). */
export const TUTORIAL_ID = "welcome-tour";
const SEEN_KEY = `tessera.tutorial.${TUTORIAL_ID}`;

function ping(stepId: string, status: "started" | "completed", t: number) {
  queueAnswer("/api/tutorial/step", {
    tutorialId: TUTORIAL_ID,
    stepId,
    status,
    t: Math.max(0, Math.min(Math.round(t), 86_400_000)),
    eventId: crypto.randomUUID(),
    clientTime: Date.now(),
  });
  void flushOutbox();
}

export function TutorialOverlay() {
  const [config, setConfig] = useState<Config | null>(null);
  const [index, setIndex] = useState(0);
  const [survey, setSurvey] = useState(false);
  const [nps, setNps] = useState<number | null>(null);
  const [comment, setComment] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [thanks, setThanks] = useState(false);
  const shownAt = useRef(Date.now());
  const dialog = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (localStorage.getItem(SEEN_KEY)) return;
    json<Config>(`/api/tutorial/config?tutorialId=${TUTORIAL_ID}`)
      .then((c) => c.steps.length > 0 && setConfig(c))
      // No such tutorial (404) or offline: no tour, nothing to say.
      .catch(() => undefined);
  }, []);

  const step = config?.steps[index];
  useEffect(() => {
    if (!step || survey) return;
    shownAt.current = Date.now();
    ping(step.id, "started", 0);
    dialog.current?.focus();
  }, [step, survey]);

  if (!config) return null;

  function close() {
    localStorage.setItem(SEEN_KEY, config!.variant);
    setConfig(null);
  }

  function next() {
    ping(step!.id, "completed", Date.now() - shownAt.current);
    if (index + 1 < config!.steps.length) setIndex(index + 1);
    else setSurvey(true);
  }

  async function sendSurvey(e: FormEvent) {
    e.preventDefault();
    if (nps === null) {
      setError(new Error("Choose a score from 0 to 10."));
      return;
    }
    setError(null);
    try {
      await json("/api/tutorial/survey", {
        method: "POST",
        body: JSON.stringify({ tutorialId: TUTORIAL_ID, nps, comment: comment.trim() || undefined, persona: config!.persona }),
      });
      setThanks(true);
      localStorage.setItem(SEEN_KEY, config!.variant);
    } catch (err) {
      setError(err);
    }
  }

  return (
    <div className="overlay" role="presentation">
      <div
        className="card tour"
        role="dialog"
        aria-modal="true"
        aria-labelledby="tour-title"
        tabIndex={-1}
        ref={dialog}
        data-variant={config.variant}
        onKeyDown={(e) => e.key === "Escape" && close()}
      >
        {thanks ? (
          <>
            <h2 id="tour-title">Thank you!</h2>
            <p>Your answer helps us make Tessera better.</p>
            <button type="button" className="primary" onClick={close} autoFocus>
              Start learning
            </button>
          </>
        ) : survey ? (
          <form onSubmit={sendSurvey} className="stack">
            <h2 id="tour-title">How likely are you to recommend Tessera to a friend?</h2>
            <fieldset className="nps">
              <legend>0 = not at all, 10 = very likely</legend>
              {Array.from({ length: 11 }, (_, n) => (
                <label key={n} className="nps-choice">
                  <input type="radio" name="nps" value={n} checked={nps === n} onChange={() => setNps(n)} />
                  {n}
                </label>
              ))}
            </fieldset>
            <label>
              Anything to add? (optional)
              <textarea rows={2} maxLength={2000} value={comment} onChange={(e) => setComment(e.target.value)} />
            </label>
            <ErrorMessage error={error} />
            <div className="actions">
              <button type="submit" className="primary">
                Send
              </button>
              <button type="button" onClick={close}>
                Not now
              </button>
            </div>
          </form>
        ) : (
          step && (
            <>
              <p className="hint">
                Step {index + 1} of {config.steps.length}
              </p>
              <h2 id="tour-title">{step.title}</h2>
              {step.body && <p>{step.body}</p>}
              <div className="actions">
                <button type="button" className="primary" onClick={next}>
                  {step.cta}
                </button>
                <button type="button" onClick={close}>
                  Skip the tour
                </button>
              </div>
            </>
          )
        )}
      </div>
    </div>
  );
}
