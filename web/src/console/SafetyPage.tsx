// Safety events: what the gate stopped, when and where (never the message: the API does not
// keep it).
import { api, ok } from "../api/client";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Loading } from "../ui/Loading";
import { useLoad } from "../ui/useLoad";

export function SafetyPage() {
  const events = useLoad(() => ok(api.GET("/api/v1/admin/safety/events", { params: { query: { limit: 200 } } })));
  return (
    <div className="stack">
      <h1>Safety events</h1>
      <p className="hint">Crises the safety gate stopped on AI paths. The messages themselves are never stored.</p>
      <ErrorMessage error={events.error} onRetry={events.reload} />
      {events.loading && !events.data && <Loading />}
      {events.data?.length === 0 && <p>No safety events.</p>}
      {events.data && events.data.length > 0 && (
        <table>
          <caption className="visually-hidden">Safety events, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Surface</th>
              <th scope="col">Level</th>
              <th scope="col">Categories</th>
              <th scope="col">Learner</th>
            </tr>
          </thead>
          <tbody>
            {events.data.map((e) => (
              <tr key={e.id}>
                <td>{new Date(e.at).toLocaleString()}</td>
                <td>{e.surface}</td>
                <td>{e.level}</td>
                <td>{e.categories.join(", ")}</td>
                <td>
                  <code>{e.user_id ? e.user_id.slice(0, 8) : "—"}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
