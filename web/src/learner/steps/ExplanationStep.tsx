import { useState } from "react";
import { api, ok, type Schemas } from "../../api/client";
import { ErrorMessage } from "../../ui/ErrorMessage";
import { Markdown } from "../../ui/Markdown";
import { queueAnswer } from "../offline";

/** An explanation: read it, then Continue (`POST /steps/{id}/complete`; queued when offline). */
export function ExplanationStep({ step, onDone }: { step: Schemas["StepView"]; onDone: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const started = useState(() => Date.now())[0];

  async function done() {
    setBusy(true);
    setError(null);
    const body = { duration_ms: Math.min(Date.now() - started, 3_600_000) };
    try {
      await ok(api.POST("/api/v1/steps/{step_id}/complete", { params: { path: { step_id: step.id } }, body }));
      onDone();
    } catch (e) {
      if ((e as { code?: string }).code === "OFFLINE") {
        queueAnswer(`/api/v1/steps/${encodeURIComponent(step.id)}/complete`, body);
        setError(new Error("You are offline: this step is marked read and will be sent when you are back online."));
      } else {
        setError(e);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="stack">
      <Markdown text={step.body} title={step.title} />
      {step.tone_applied && <p className="hint">Rewritten in your tone by the tutor model.</p>}
      <ErrorMessage error={error} />
      <button type="button" className="primary" onClick={done} disabled={busy}>
        {busy ? "Saving…" : "Continue"}
      </button>
    </div>
  );
}
