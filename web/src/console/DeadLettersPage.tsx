// The event bus's dead letters (admins): events a consumer group gave up on, with the
// reason; a super admin replays one after fixing the cause.
import { useState } from "react";
import { api, ok } from "../api/client";
import { useSession } from "../auth/session";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Loading } from "../ui/Loading";
import { useLoad } from "../ui/useLoad";

export function DeadLettersPage() {
  const { me } = useSession();
  const letters = useLoad(() => ok(api.GET("/api/v1/admin/events/dead-letters", { params: { query: { limit: 200 } } })));
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState("");
  const mayReplay = me?.user_type === "super_admin";

  async function replay(id: string) {
    setError(null);
    setDone("");
    try {
      await ok(api.POST("/api/v1/admin/events/dead-letters/{message_id}/replay", { params: { path: { message_id: id } } }));
      letters.setData((list) => (list ?? []).filter((l) => l.id !== id));
      setDone(`Replayed ${id}.`);
    } catch (e) {
      setError(e);
    }
  }

  return (
    <div className="stack">
      <h1>Dead letters</h1>
      <p className="hint">Events a consumer group gave up on after its retries. Fix the cause, then replay: groups that handled the event already skip it.</p>
      <ErrorMessage error={error} />
      {done && <p role="status">{done}</p>}
      <ErrorMessage error={letters.error} onRetry={letters.reload} />
      {letters.loading && !letters.data && <Loading />}
      {letters.data?.length === 0 && <p>No dead letters: every event was handled.</p>}
      {letters.data && letters.data.length > 0 && (
        <table>
          <caption className="visually-hidden">Dead letters, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Topic</th>
              <th scope="col">Consumer</th>
              <th scope="col">Attempts</th>
              <th scope="col">Reason</th>
              {mayReplay && <th scope="col">Replay</th>}
            </tr>
          </thead>
          <tbody>
            {letters.data.map((l) => (
              <tr key={l.id}>
                <td>{new Date(l.at).toLocaleString()}</td>
                <td>{l.topic}</td>
                <td>{l.consumer}</td>
                <td>{l.attempts}</td>
                <td>{l.reason}</td>
                {mayReplay && (
                  <td>
                    <button type="button" onClick={() => void replay(l.id)} aria-label={`Replay ${l.topic} event ${l.id}`}>
                      Replay
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
