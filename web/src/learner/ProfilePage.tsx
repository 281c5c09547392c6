// The profile: name, default tone, time zone and region; the data export; account deletion
// (confirmed with the password, as the API requires).
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { api, ok } from "../api/client";
import { tokens } from "../api/tokens";
import { useSession } from "../auth/session";
import { ErrorMessage } from "../ui/ErrorMessage";
import { NotificationSettings } from "./NotificationSettings";
import { TONES } from "./TodayPage";

export function ProfilePage() {
  const { me, reload } = useSession();
  const navigate = useNavigate();
  const [form, setForm] = useState({ full_name: me?.full_name ?? "", tone: me?.tone ?? "friendly", timezone: me?.timezone ?? "UTC" });
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [password, setPassword] = useState("");
  const [deleteError, setDeleteError] = useState<unknown>(null);
  const [exporting, setExporting] = useState(false);
  if (!me) return null;

  async function save(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setSaved(false);
    try {
      await ok(api.PATCH("/api/v1/me/profile", { body: form }));
      await reload();
      setSaved(true);
    } catch (err) {
      setError(err);
    }
  }

  async function exportData() {
    setExporting(true);
    setError(null);
    try {
      const data = await ok(api.GET("/api/v1/me/export"));
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = `tessera-export-${new Date().toISOString().slice(0, 10)}.json`;
      a.click();
      URL.revokeObjectURL(url);
    } catch (err) {
      setError(err);
    } finally {
      setExporting(false);
    }
  }

  async function deleteAccount(e: FormEvent) {
    e.preventDefault();
    setDeleteError(null);
    try {
      await ok(api.DELETE("/api/v1/me", { body: { password } }));
      tokens.clear();
      navigate("/login", { replace: true, state: { deleted: true } });
    } catch (err) {
      setDeleteError(err);
    }
  }

  return (
    <div className="stack">
      <h1>Profile</h1>
      <form className="card stack" onSubmit={save}>
        <p>
          Signed in as <strong>{me.email}</strong> ({me.user_type.replace("_", " ")})
        </p>
        <label>
          Name
          <input value={form.full_name} onChange={(e) => setForm({ ...form, full_name: e.target.value })} />
        </label>
        <label>
          Tone of lessons
          <select value={form.tone} onChange={(e) => setForm({ ...form, tone: e.target.value })}>
            {TONES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          Time zone (IANA name, e.g. Europe/Paris): your streak's days follow it
          <input value={form.timezone} onChange={(e) => setForm({ ...form, timezone: e.target.value })} />
        </label>
        <ErrorMessage error={error} />
        {saved && <p role="status">Saved.</p>}
        <button type="submit" className="primary">
          Save
        </button>
      </form>
      <NotificationSettings teacher={me.user_type !== "student"} />
      <section className="card stack" aria-labelledby="data-title">
        <h2 id="data-title">Your data</h2>
        <p>Download everything Tessera stores about you, as JSON.</p>
        <button type="button" onClick={exportData} disabled={exporting}>
          {exporting ? "Preparing…" : "Download my data"}
        </button>
      </section>
      <form className="card stack danger" onSubmit={deleteAccount} aria-labelledby="delete-title">
        <h2 id="delete-title">Delete my account</h2>
        <p>This deletes your account and everything stored about you, at once and for good.</p>
        <label>
          Your password, to confirm
          <input type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <ErrorMessage error={deleteError} />
        <button type="submit" className="danger">
          Delete my account
        </button>
      </form>
    </div>
  );
}
