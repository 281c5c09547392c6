// Per-user AI budgets: each plan tier's daily tokens, and one user's day looked up by
// e-mail or name (tier, tokens used, what is left, when it resets). Super admins move a
// user to another tier here; the next AI request of theirs is held to it.
import { useState } from "react";
import { api, ok, type Schemas } from "../api/client";
import { useSession } from "../auth/session";
import { ErrorMessage } from "../ui/ErrorMessage";
import { useAction } from "../ui/useAction";

type Tier = Schemas["TierBudget"];

/** "50,000 tokens" or "unlimited" (a budget of 0). */
export function tokens(n: number) {
  return n === 0 ? "unlimited" : `${n.toLocaleString("en")} tokens`;
}

export function UserBudgets({ tiers }: { tiers: Tier[] }) {
  const { me } = useSession();
  const [search, setSearch] = useState("");
  const [found, setFound] = useState<Schemas["AdminUser"][] | null>(null);
  const [user, setUser] = useState<Schemas["AdminUser"] | null>(null);
  const [budget, setBudget] = useState<Schemas["UserBudget"] | null>(null);
  const [changed, setChanged] = useState("");
  const lookup = useAction();
  const change = useAction();
  const mayManage = me?.user_type === "super_admin";

  const open = (u: Schemas["AdminUser"]) =>
    lookup.run(async () => {
      setChanged("");
      setUser(u);
      setBudget(await ok(api.GET("/api/v1/admin/ai/users/{user_id}/budget", { params: { path: { user_id: u.id } } })));
    });

  const find = () =>
    lookup.run(async () => {
      setUser(null);
      setBudget(null);
      const page = await ok(api.GET("/api/v1/admin/users", { params: { query: { search: search.trim(), limit: 10 } } }));
      setFound(page.users);
      const [only] = page.users;
      if (only && page.users.length === 1) await open(only);
    });

  const setTier = (tier: string) =>
    change.run(async () => {
      if (!user) return;
      const updated = await ok(api.PATCH("/api/v1/admin/users/{user_id}", { params: { path: { user_id: user.id } }, body: { tier } }));
      setUser(updated);
      setBudget(await ok(api.GET("/api/v1/admin/ai/users/{user_id}/budget", { params: { path: { user_id: user.id } } })));
      setChanged(`${updated.email} is now on the ${updated.tier} tier.`);
    });

  const choices = budget && !tiers.some((t) => t.tier === budget.tier) ? [...tiers, { tier: budget.tier, daily_tokens: budget.daily_tokens }] : tiers;
  return (
    <section className="card stack" aria-labelledby="budgets-title">
      <h2 id="budgets-title">Per-user budgets</h2>
      <table>
        <caption>Daily tokens per user, by plan tier</caption>
        <thead>
          <tr>
            <th scope="col">Tier</th>
            <th scope="col">Daily budget</th>
          </tr>
        </thead>
        <tbody>
          {tiers.map((t) => (
            <tr key={t.tier}>
              <td>{t.tier}</td>
              <td>{tokens(t.daily_tokens)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="hint">A tier not listed gets the free tier's budget. Budgets reset at 00:00 UTC.</p>
      <form
        className="inline-form"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          void find();
        }}
      >
        <label>
          A user's budget: e-mail or name
          <input type="search" required value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
        <button type="submit" disabled={lookup.busy}>
          Look up
        </button>
      </form>
      <ErrorMessage error={lookup.error} />
      {found && found.length === 0 && <p role="status">No user matches “{search}”.</p>}
      {found && found.length > 1 && !user && (
        <ul aria-label="Matching users">
          {found.map((u) => (
            <li key={u.id}>
              <button type="button" className="link" onClick={() => void open(u)}>
                {u.email}
              </button>{" "}
              ({u.full_name})
            </li>
          ))}
        </ul>
      )}
      {user && budget && (
        <div className="stack" data-testid="user-budget">
          <h3>{user.email}</h3>
          <p>
            Tier <strong>{budget.tier}</strong>: {budget.used_today.toLocaleString("en")} of {tokens(budget.daily_tokens)} used today
            {budget.remaining != null && `, ${budget.remaining.toLocaleString("en")} left`}; resets {new Date(budget.resets_at).toLocaleString()}.
          </p>
          {budget.daily_tokens > 0 && <progress max={budget.daily_tokens} value={Math.min(budget.used_today, budget.daily_tokens)} aria-label="Share of today's budget used" />}
          {mayManage && user.id !== me?.id ? (
            <label>
              Plan tier
              <select value={budget.tier} disabled={change.busy} onChange={(e) => void setTier(e.target.value)}>
                {choices.map((t) => (
                  <option key={t.tier} value={t.tier}>
                    {t.tier} ({tokens(t.daily_tokens)} a day)
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <p className="hint">{mayManage ? "Nobody changes their own tier." : "Tiers are changed by super admins."}</p>
          )}
          <ErrorMessage error={change.error} />
          {changed && <p role="status">{changed}</p>}
        </div>
      )}
    </section>
  );
}
