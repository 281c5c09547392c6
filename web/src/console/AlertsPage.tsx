// Struggle alerts, live: the open ones, then every new one as the server streams it (SSE),
// announced to screen readers as it arrives.
import { useEffect, useState } from "react";
import { api, ok, type Schemas } from "../api/client";
import { subscribe } from "../api/sse";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Loading } from "../ui/Loading";
import { useLoad } from "../ui/useLoad";

type Alert = Schemas["AlertView"];

/** What each kind of alert means (host/src/learning/struggle.rs), said for a teacher. */
const REASONS: Record<string, string> = {
  "repeated-error": "keeps hitting the same error",
  "sandbox-timeout": "wrote a program that ran out of time",
  "quiz-failures": "keeps getting quiz answers wrong",
};

export function reasonText(reason: string): string {
  return REASONS[reason] ?? reason.replace(/[-_]/g, " ");
}

export function AlertsPage() {
  const alerts = useLoad(() => ok(api.GET("/api/v1/teacher/alerts", { params: { query: { status: "open" } } })));
  const [live, setLive] = useState<"connecting" | "open" | "retrying" | "closed">("connecting");
  const [streamError, setStreamError] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);
  const [announce, setAnnounce] = useState("");

  useEffect(() => {
    const abort = new AbortController();
    void subscribe(
      "/api/v1/teacher/alerts/stream",
      (e) => {
        if (e.event !== "alert") return;
        const alert = JSON.parse(e.data) as Alert;
        alerts.setData((list) => [alert, ...(list ?? []).filter((a) => a.id !== alert.id)]);
        setAnnounce(`New alert: ${alert.learner_name} ${reasonText(alert.reason)}`);
      },
      (state, err) => {
        setLive(state);
        setStreamError(state === "open" ? null : (err ?? null));
      },
      abort.signal,
    );
    return () => abort.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  async function acknowledge(id: string) {
    setError(null);
    try {
      await ok(api.POST("/api/v1/teacher/alerts/{alert_id}/acknowledge", { params: { path: { alert_id: id } } }));
      alerts.setData((list) => (list ?? []).filter((a) => a.id !== id));
    } catch (e) {
      setError(e);
    }
  }

  return (
    <div className="stack">
      <h1>Struggle alerts</h1>
      <p className="live-state" data-state={live}>
        <span className={`dot ${live}`} aria-hidden="true" />
        {live === "open" ? "Live: new alerts appear here as they happen." : live === "connecting" ? "Connecting…" : live === "retrying" ? "Reconnecting…" : "Live updates are off."}
      </p>
      <div className="visually-hidden" aria-live="assertive">
        {announce}
      </div>
      <ErrorMessage error={streamError} />
      <ErrorMessage error={error} />
      <ErrorMessage error={alerts.error} onRetry={alerts.reload} />
      {alerts.loading && !alerts.data && <Loading />}
      {alerts.data?.length === 0 && <p>No open alerts: your learners are doing fine.</p>}
      <ul className="alerts">
        {alerts.data?.map((a) => (
          <li key={a.id} className="card alert" data-testid="alert">
            <p>
              <strong>{a.learner_name}</strong> {reasonText(a.reason)}
              {a.topic && <> in {a.topic}</>}
              {a.count > 1 && <> ({a.count} times)</>}
            </p>
            <p>{a.detail}</p>
            <p className="hint">{new Date(a.created_at).toLocaleString()}</p>
            <button type="button" onClick={() => acknowledge(a.id)}>
              Acknowledge
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
