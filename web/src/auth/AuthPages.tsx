// Sign in and sign up. Both keep what was typed when the server refuses it, and show the
// server's reason next to the form.
import { useState, type FormEvent } from "react";
import { Link, Navigate, useLocation, useNavigate } from "react-router";
import { api, ok } from "../api/client";
import { ErrorMessage } from "../ui/ErrorMessage";
import { useAction } from "../ui/useAction";
import { homeOf, useSession } from "./session";

function useAfterSignIn() {
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from;
  return (role: string | undefined) => navigate(from ?? homeOf(role as never), { replace: true });
}

export function LoginPage() {
  const { me, signIn } = useSession();
  const after = useAfterSignIn();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { busy, error, run } = useAction();
  if (me) return <Navigate to={homeOf(me.user_type)} replace />;

  function submit(e: FormEvent) {
    e.preventDefault();
    void run(async () => {
      const result = await ok(api.POST("/api/v1/auth/login", { body: { email, password } }));
      await signIn(result);
      after(result.user.user_type);
    });
  }

  return (
    <main className="auth" id="main">
      <h1>Sign in to Tessera</h1>
      <form onSubmit={submit} className="stack">
        <label>
          E-mail
          <input type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          Password
          <input type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <ErrorMessage error={error} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p>
        New here? <Link to="/signup">Create an account</Link>
      </p>
    </main>
  );
}

export function SignupPage() {
  const { me, signIn } = useSession();
  const after = useAfterSignIn();
  const [form, setForm] = useState({ full_name: "", email: "", password: "", user_type: "student" as "student" | "teacher" });
  const { busy, error, run } = useAction();
  if (me) return <Navigate to={homeOf(me.user_type)} replace />;

  function submit(e: FormEvent) {
    e.preventDefault();
    void run(async () => {
      const result = await ok(api.POST("/api/v1/auth/register", { body: form }));
      if (!("access_token" in result)) throw new Error("This account exists already: sign in instead.");
      await signIn(result);
      after(form.user_type);
    });
  }

  return (
    <main className="auth" id="main">
      <h1>Create your account</h1>
      <form onSubmit={submit} className="stack">
        <label>
          Your name
          <input autoComplete="name" required value={form.full_name} onChange={(e) => setForm({ ...form, full_name: e.target.value })} />
        </label>
        <label>
          E-mail
          <input type="email" autoComplete="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete="new-password"
            required
            minLength={12}
            aria-describedby="password-rules"
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.target.value })}
          />
        </label>
        <p id="password-rules" className="hint">
          At least 12 characters, with an upper-case and a lower-case letter and a digit.
        </p>
        <fieldset>
          <legend>I am</legend>
          <label className="inline">
            <input type="radio" name="user_type" checked={form.user_type === "student"} onChange={() => setForm({ ...form, user_type: "student" })} />
            a learner
          </label>
          <label className="inline">
            <input type="radio" name="user_type" checked={form.user_type === "teacher"} onChange={() => setForm({ ...form, user_type: "teacher" })} />
            a teacher
          </label>
        </fieldset>
        <ErrorMessage error={error} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Creating…" : "Create account"}
        </button>
      </form>
      <p>
        Have an account? <Link to="/login">Sign in</Link>
      </p>
    </main>
  );
}
