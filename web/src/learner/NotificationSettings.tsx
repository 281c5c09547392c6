// Notifications on the profile page (docs/notifications.md): quiet hours, the kinds to
// receive, and Web Push on this device (the browser's subscription, made with the server's
// VAPID key, sent to the API; the service worker, sw.js, shows each push).
import { useEffect, useState, type FormEvent } from "react";
import { api, ok } from "../api/client";
import { ErrorMessage } from "../ui/ErrorMessage";

/** Kinds a person can turn off, with what they are; teachers also get struggle alerts. */
export const KINDS: { kind: string; label: string; teachers?: boolean }[] = [
  { kind: "streak_at_risk", label: "My streak is about to end (evenings)" },
  { kind: "reviews_due", label: "Reviews are due" },
  { kind: "project_graded", label: "A project of mine was graded" },
  { kind: "spectrum_updated", label: "My Kalei Spectrum is updated" },
  { kind: "struggle_alert", label: "A learner in my class needs help", teachers: true },
];

/** The VAPID key (base64url) as `pushManager.subscribe` takes it. */
export function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  const raw = atob(padded);
  const bytes = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

export function NotificationSettings({ teacher }: { teacher: boolean }) {
  const [quiet, setQuiet] = useState({ on: false, start: "22:00", end: "07:00" });
  const [disabled, setDisabled] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState("");
  const pushable = typeof window !== "undefined" && "serviceWorker" in navigator && "PushManager" in window;

  useEffect(() => {
    ok(api.GET("/api/v1/notifications/preferences"))
      .then((p) => {
        setDisabled(p.disabled_kinds ?? []);
        if (p.quiet_hours) setQuiet({ on: true, start: p.quiet_hours.start, end: p.quiet_hours.end });
      })
      .catch(setError);
  }, []);

  async function save(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setStatus("");
    try {
      await ok(
        api.PUT("/api/v1/notifications/preferences", {
          body: { quiet_hours: quiet.on ? { start: quiet.start, end: quiet.end } : null, disabled_kinds: disabled },
        }),
      );
      setStatus("Saved.");
    } catch (err) {
      setError(err);
    }
  }

  async function enablePush() {
    setError(null);
    setStatus("");
    try {
      if ((await Notification.requestPermission()) !== "granted") {
        setStatus("Notifications are blocked for this site in your browser's settings.");
        return;
      }
      const { public_key } = await ok(api.GET("/api/v1/notifications/web-push-key"));
      const registration = await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(public_key),
      });
      const json = subscription.toJSON();
      await ok(
        api.POST("/api/v1/notifications/subscriptions", {
          body: { channel: "web_push", endpoint: json.endpoint ?? "", keys: { p256dh: json.keys?.p256dh ?? "", auth: json.keys?.auth ?? "" } },
        }),
      );
      setStatus("This device will get notifications.");
    } catch (err) {
      setError(err);
    }
  }

  return (
    <form className="card stack" onSubmit={save} aria-labelledby="notifications-title">
      <h2 id="notifications-title">Notifications</h2>
      <fieldset className="stack">
        <legend>Tell me when</legend>
        {KINDS.filter((k) => teacher || !k.teachers).map((k) => (
          <label key={k.kind} className="row">
            <input
              type="checkbox"
              checked={!disabled.includes(k.kind)}
              onChange={(e) => setDisabled(e.target.checked ? disabled.filter((d) => d !== k.kind) : [...disabled, k.kind])}
            />
            {k.label}
          </label>
        ))}
      </fieldset>
      <label className="row">
        <input type="checkbox" checked={quiet.on} onChange={(e) => setQuiet({ ...quiet, on: e.target.checked })} />
        Quiet hours (your time zone): no pushes, no reminders
      </label>
      {quiet.on && (
        <div className="row">
          <label>
            From <input type="time" value={quiet.start} onChange={(e) => setQuiet({ ...quiet, start: e.target.value })} />
          </label>
          <label>
            until <input type="time" value={quiet.end} onChange={(e) => setQuiet({ ...quiet, end: e.target.value })} />
          </label>
        </div>
      )}
      <ErrorMessage error={error} />
      {status && <p role="status">{status}</p>}
      <div className="row">
        <button type="submit" className="primary">
          Save
        </button>
        {pushable && (
          <button type="button" onClick={enablePush}>
            Notify me on this device
          </button>
        )}
      </div>
    </form>
  );
}
