// Seed 004's experiments: each one's status and, for a chosen experiment, its results —
// the funnel per variant, the significance test and the sample-ratio check.
import { useState } from "react";
import { api, ok } from "../api/client";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Loading } from "../ui/Loading";
import { useLoad } from "../ui/useLoad";

const pct = (v: number | null | undefined) => (v == null ? "—" : `${(v * 100).toFixed(1)}%`);

export function ExperimentsPage() {
  const list = useLoad(() => ok(api.GET("/api/v1/admin/experiments")));
  const [chosen, setChosen] = useState<string | null>(null);
  return (
    <div className="stack">
      <h1>Experiments</h1>
      <ErrorMessage error={list.error} onRetry={list.reload} />
      {list.loading && !list.data && <Loading />}
      {list.data?.length === 0 && <p>No experiments yet.</p>}
      <ul className="experiments">
        {list.data?.map((e) => (
          <li key={e.id} className="card">
            <strong>{e.id}</strong> on tutorial <code>{e.tutorialId}</code> — {e.status}{" "}
            <button type="button" aria-expanded={chosen === e.id} onClick={() => setChosen(chosen === e.id ? null : e.id)}>
              {chosen === e.id ? "Hide results" : "Results"}
            </button>
            {chosen === e.id && <Results id={e.id} />}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Results({ id }: { id: string }) {
  const results = useLoad(() => ok(api.GET("/api/v1/admin/experiments/{experiment_id}/results", { params: { path: { experiment_id: id } } })), [id]);
  if (results.error) return <ErrorMessage error={results.error} onRetry={results.reload} />;
  const r = results.data;
  if (!r) return <Loading />;
  return (
    <div className="stack">
      <table>
        <caption>Funnel per variant</caption>
        <thead>
          <tr>
            <th scope="col">Variant</th>
            <th scope="col">Assigned</th>
            <th scope="col">Entered</th>
            <th scope="col">Finished</th>
            <th scope="col">Completion</th>
            <th scope="col">NPS</th>
          </tr>
        </thead>
        <tbody>
          {r.variants.map((v) => (
            <tr key={v.variant}>
              <td>{v.variant}</td>
              <td>{v.assigned}</td>
              <td>{v.entered}</td>
              <td>{v.finished}</td>
              <td>{pct(v.completionRate)}</td>
              <td>{v.nps.score == null ? "—" : v.nps.score.toFixed(0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        {r.significance.test}: p = {r.significance.pValue == null ? "—" : r.significance.pValue.toPrecision(3)} —{" "}
        <strong>{r.significance.significant ? "significant at 5 %" : "not significant"}</strong>
        {r.significance.note && <> ({r.significance.note})</>}
      </p>
      {r.sampleRatio && (
        <p className={r.sampleRatio.mismatch ? "warning" : undefined}>
          Sample ratio: p = {r.sampleRatio.pValue.toPrecision(3)}
          {r.sampleRatio.mismatch ? " — mismatch: the assignment is not splitting as configured; do not trust the results" : " — as configured"}
        </p>
      )}
    </div>
  );
}
