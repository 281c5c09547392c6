// The AI providers and their circuit breakers (super admins): which providers the gateway
// routes to and whether each is taking requests. Refreshed every 10 s while open, since a
// breaker opens and closes on its own.
import { useEffect } from "react";
import { api, ok, type Schemas } from "../api/client";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Loading } from "../ui/Loading";
import { useLoad } from "../ui/useLoad";

const REFRESH_MS = 10_000;

/** What a breaker's state means for requests, in words. */
export function breakerText(b: Schemas["BreakerView"]) {
  switch (b.state) {
    case "open":
      return `open: requests go to the fallbacks${b.open_until ? ` until ${new Date(b.open_until).toLocaleTimeString()}` : ""}`;
    case "half-open":
      return b.probing ? "half-open: a probe request is out" : `half-open: the next request probes it (${b.successes} success${b.successes === 1 ? "" : "es"} so far)`;
    default:
      return b.failures > 0 ? `closed: taking requests (${b.failures} failure${b.failures === 1 ? "" : "s"} in a row)` : "closed: taking requests";
  }
}

export function AiProviders() {
  const report = useLoad(() => ok(api.GET("/api/v1/admin/ai/providers")));
  const { reload } = report;
  useEffect(() => {
    const timer = setInterval(() => void reload(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);

  return (
    <section className="card stack" aria-labelledby="providers-title">
      <div className="row">
        <h2 id="providers-title">AI providers</h2>
        <button type="button" onClick={() => void reload()} disabled={report.loading}>
          Refresh
        </button>
      </div>
      <ErrorMessage error={report.error} onRetry={reload} />
      {report.loading && !report.data && <Loading />}
      {report.data && !report.data.gateway && <p>No AI gateway plugin is installed: AI features are off.</p>}
      {report.data?.gateway && report.data.providers.length === 0 && (
        <p>No providers are configured in {report.data.gateway}: every request is answered by the offline model tessera-offline.</p>
      )}
      {report.data && report.data.providers.length > 0 && (
        <table>
          <caption>Circuit breakers of {report.data.gateway}</caption>
          <thead>
            <tr>
              <th scope="col">Provider</th>
              <th scope="col">Models</th>
              <th scope="col">Breaker</th>
            </tr>
          </thead>
          <tbody>
            {report.data.providers.map((p) => (
              <tr key={p.name} data-testid={`provider-${p.name}`}>
                <td>
                  <strong>{p.name}</strong>
                  {p.kind && <div className="hint">{p.kind}</div>}
                </td>
                <td>{p.models.join(", ")}</td>
                <td>
                  <span className={`badge breaker-${p.breaker.state}`}>{breakerText(p.breaker)}</span>
                  {p.breaker.problem && <div className="hint">Stored state unreadable: {p.breaker.problem}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
