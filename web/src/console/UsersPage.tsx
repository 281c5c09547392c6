// Users and roles: admins search and filter them; super admins also change a role and
// disable or enable an account (seed 002's permission matrix). The API enforces it (and
// that nobody changes their own account here); this page shows its refusals as they come.
import { useState } from "react";
import { api, ok, type Schemas } from "../api/client";
import { useSession } from "../auth/session";
import { ErrorMessage } from "../ui/ErrorMessage";
import { Loading } from "../ui/Loading";
import { useLoad } from "../ui/useLoad";

type Role = Schemas["Role"];
const ROLES: Role[] = ["student", "teacher", "admin", "super_admin"];
const PAGE = 50;

export function UsersPage() {
  const { me } = useSession();
  const [search, setSearch] = useState("");
  const [role, setRole] = useState<Role | "">("");
  const [offset, setOffset] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [changed, setChanged] = useState("");
  const users = useLoad(
    () => ok(api.GET("/api/v1/admin/users", { params: { query: { search: search || undefined, role: role || undefined, limit: PAGE, offset } } })),
    [search, role, offset],
  );

  async function change(user: Schemas["AdminUser"], body: { role?: Role; is_active?: boolean }) {
    setError(null);
    setChanged("");
    try {
      const updated = await ok(api.PATCH("/api/v1/admin/users/{user_id}", { params: { path: { user_id: user.id } }, body }));
      users.setData((page) => page && { ...page, users: page.users.map((u) => (u.id === updated.id ? updated : u)) });
      setChanged(`${updated.email}: ${updated.role.replace("_", " ")}, ${updated.is_active ? "enabled" : "disabled"}.`);
    } catch (e) {
      setError(e);
    }
  }

  const total = users.data?.total ?? 0;
  const mayManage = me?.user_type === "super_admin";
  return (
    <div className="stack">
      <h1>Users and roles</h1>
      <form className="card inline-form" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search by e-mail or name
          <input type="search" value={search} onChange={(e) => (setOffset(0), setSearch(e.target.value))} />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => (setOffset(0), setRole(e.target.value as Role | ""))}>
            <option value="">any</option>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r.replace("_", " ")}
              </option>
            ))}
          </select>
        </label>
      </form>
      {!mayManage && <p className="hint">Roles and account status are changed by super admins.</p>}
      <ErrorMessage error={error} />
      {changed && <p role="status">{changed}</p>}
      <ErrorMessage error={users.error} onRetry={users.reload} />
      {users.loading && !users.data && <Loading />}
      {users.data && (
        <>
          <p className="hint">
            {total} user{total === 1 ? "" : "s"}
            {total > PAGE && ` — showing ${offset + 1} to ${Math.min(offset + PAGE, total)}`}
          </p>
          <table>
            <caption className="visually-hidden">Users</caption>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Tier</th>
                <th scope="col">Since</th>
              </tr>
            </thead>
            <tbody>
              {users.data.users.map((u) => (
                <tr key={u.id}>
                  <td>
                    <strong>{u.full_name}</strong>
                    <div className="hint">{u.email}</div>
                  </td>
                  <td>
                    <select
                      aria-label={`Role of ${u.email}`}
                      value={u.role}
                      disabled={!mayManage || u.id === me?.id || u.role === "service"}
                      onChange={(e) => void change(u, { role: e.target.value as Role })}
                    >
                      {[...ROLES, ...(u.role === "service" ? (["service"] as Role[]) : [])].map((r) => (
                        <option key={r} value={r}>
                          {r.replace("_", " ")}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    {u.is_active ? "active" : "disabled"}{" "}
                    {mayManage && u.id !== me?.id && (
                      <button type="button" onClick={() => void change(u, { is_active: !u.is_active })}>
                        {u.is_active ? `Disable ${u.email}` : `Enable ${u.email}`}
                      </button>
                    )}
                  </td>
                  <td>{u.tier}</td>
                  <td>{new Date(u.created_at).toLocaleDateString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="actions">
            <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
              Previous
            </button>
            <button type="button" disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)}>
              Next
            </button>
          </div>
        </>
      )}
    </div>
  );
}
