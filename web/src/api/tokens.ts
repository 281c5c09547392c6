// The signed-in session's tokens, kept in localStorage so a reload or a second tab stays
// signed in. The server's Content-Security-Policy (no inline or foreign scripts) is what
// keeps other code from reading them.
export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in?: number;
}

const KEY = "tessera.tokens";
type Listener = (t: Tokens | null) => void;
const listeners = new Set<Listener>();

function read(): Tokens | null {
  try {
    const raw = localStorage.getItem(KEY);
    const parsed = raw ? (JSON.parse(raw) as Tokens) : null;
    return parsed?.access_token ? parsed : null;
  } catch {
    return null;
  }
}

export const tokens = {
  get: read,
  set(t: Tokens) {
    localStorage.setItem(KEY, JSON.stringify({ access_token: t.access_token, refresh_token: t.refresh_token, expires_in: t.expires_in }));
    listeners.forEach((l) => l(read()));
  },
  clear() {
    localStorage.removeItem(KEY);
    listeners.forEach((l) => l(null));
  },
  subscribe(l: Listener): () => void {
    listeners.add(l);
    return () => listeners.delete(l);
  },
};
