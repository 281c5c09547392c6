// The AI spend dashboard: the month against the cap (with the 50/80/95/100 % alerts), cost
// per day as a chart, the totals per feature and per model, per-user budgets, and (super
// admins) the providers' circuit breakers.
import { useState } from "react";
import { Area, AreaChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { api, ok, type Schemas } from "../api/client";
import { useSession } from "../auth/session";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Loading } from "../ui/Loading";
import { useLoad } from "../ui/useLoad";
import { AiProviders } from "./AiProviders";
import { UserBudgets } from "./UserBudgets";

type Line = Schemas["UsageLine"];

const usd = (v: number) => `$${v.toFixed(v < 1 ? 4 : 2)}`;

/** Sums `lines` by `key`, largest cost first. */
export function totals(lines: Line[], key: "day" | "feature" | "model") {
  const sums = new Map<string, { name: string; requests: number; tokens: number; cost: number }>();
  for (const l of lines) {
    const s = sums.get(l[key]) ?? { name: l[key], requests: 0, tokens: 0, cost: 0 };
    s.requests += l.requests;
    s.tokens += l.input_tokens + l.output_tokens;
    s.cost += l.cost_usd;
    sums.set(l[key], s);
  }
  return [...sums.values()].sort((a, b) => b.cost - a.cost || b.requests - a.requests);
}

export function AiSpendPage() {
  const { me } = useSession();
  const [days, setDays] = useState(30);
  const usage = useLoad(() => ok(api.GET("/api/v1/admin/ai/usage", { params: { query: { days } } })), [days]);
  const budget = useLoad(() => ok(api.GET("/api/v1/admin/ai/budget")));
  const lines = usage.data ?? [];
  const byDay = totals(lines, "day").sort((a, b) => a.name.localeCompare(b.name));

  return (
    <div className="stack">
      <h1>AI spend</h1>
      <ErrorMessage error={budget.error} onRetry={budget.reload} />
      {budget.data && <Budget report={budget.data} />}
      <section className="card" aria-labelledby="per-day">
        <div className="row">
          <h2 id="per-day">Cost per day</h2>
          <label>
            Period
            <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
              <option value={7}>7 days</option>
              <option value={30}>30 days</option>
              <option value={90}>90 days</option>
            </select>
          </label>
        </div>
        <ErrorMessage error={usage.error} onRetry={usage.reload} />
        {usage.loading && !usage.data && <Loading />}
        {usage.data && lines.length === 0 && <p>No AI requests in this period.</p>}
        {byDay.length > 0 && (
          // The chart is for the eye; the table below carries the same figures for everyone.
          <div className="chart" aria-hidden="true">
            <ResponsiveContainer width="100%" height={220}>
              <AreaChart data={byDay} accessibilityLayer={false}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="name" />
                <YAxis tickFormatter={(v: number) => usd(v)} width={70} />
                <Tooltip formatter={(v) => usd(Number(v))} />
                <Area dataKey="cost" stroke="#1f6feb" fill="#cfe0fb" isAnimationActive={false} />
              </AreaChart>
            </ResponsiveContainer>
          </div>
        )}
        {byDay.length > 0 && <Totals title="Per day" rows={[...byDay].reverse()} />}
      </section>
      {lines.length > 0 && (
        <div className="columns">
          <section className="card">
            <Totals title="Per feature" rows={totals(lines, "feature")} />
          </section>
          <section className="card">
            <Totals title="Per model" rows={totals(lines, "model")} />
          </section>
        </div>
      )}
      {budget.data && <UserBudgets tiers={budget.data.tiers} />}
      {me?.user_type === "super_admin" && <AiProviders />}
    </div>
  );
}

function Budget({ report }: { report: Schemas["BudgetReport"] }) {
  return (
    <section className="card" aria-labelledby="budget-title">
      <h2 id="budget-title">This month ({report.month})</h2>
      <p className="big" data-testid="month-spend">
        {usd(report.spent_usd)}
        {report.cap_usd != null ? ` of ${usd(report.cap_usd)}` : " (no monthly cap set)"}
      </p>
      {report.percent != null && <progress max={100} value={Math.min(report.percent, 100)} aria-label={`${report.percent.toFixed(1)}% of the monthly cap`} />}
      {report.degraded && (
        <p className="warning" role="status">
          Over 95 % of the cap: requests are served by cheaper models until the month ends.
        </p>
      )}
      {report.alerts.length > 0 && (
        <ul>
          {report.alerts.map((a) => (
            <li key={a.percent}>
              {a.percent}% reached on {new Date(a.at).toLocaleString()} ({usd(a.spent_usd)})
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Totals({ title, rows }: { title: string; rows: ReturnType<typeof totals> }) {
  return (
    <table>
      <caption>{title}</caption>
      <thead>
        <tr>
          <th scope="col">{title.replace("Per ", "").replace(/^./, (c) => c.toUpperCase())}</th>
          <th scope="col">Requests</th>
          <th scope="col">Tokens</th>
          <th scope="col">Cost</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.name}>
            <td>{r.name}</td>
            <td>{r.requests}</td>
            <td>{r.tokens}</td>
            <td>{usd(r.cost)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
