// Offline use: the last lesson plan is kept on the device (the service worker keeps the
// app's files), and answers given offline wait in an outbox that is sent, in order, when
// the browser is back online. An answer the server then refuses (4xx) is dropped with a
// note rather than retried for ever; a 5xx or a network failure keeps it queued.
import { authFetch, type Schemas } from "../api/client";

const LESSON_KEY = "tessera.offline.daily";
const OUTBOX_KEY = "tessera.outbox";

export interface Queued {
  path: string;
  body: unknown;
  queuedAt: string;
}

export function saveForOffline(daily: Schemas["LessonStep"]) {
  try {
    localStorage.setItem(LESSON_KEY, JSON.stringify(daily));
  } catch {
    // A full storage only loses the offline copy.
  }
}

export function loadOffline(): Schemas["LessonStep"] | null {
  try {
    const raw = localStorage.getItem(LESSON_KEY);
    return raw ? (JSON.parse(raw) as Schemas["LessonStep"]) : null;
  } catch {
    return null;
  }
}

/** Drops the saved lesson and any queued answers (signing out). */
export function forgetOfflineData() {
  localStorage.removeItem(LESSON_KEY);
  localStorage.removeItem(OUTBOX_KEY);
}

export function outbox(): Queued[] {
  try {
    return JSON.parse(localStorage.getItem(OUTBOX_KEY) ?? "[]") as Queued[];
  } catch {
    return [];
  }
}

function saveOutbox(items: Queued[]) {
  localStorage.setItem(OUTBOX_KEY, JSON.stringify(items));
  window.dispatchEvent(new CustomEvent("tessera:outbox", { detail: items.length }));
}

export function queueAnswer(path: string, body: unknown) {
  saveOutbox([...outbox(), { path, body, queuedAt: new Date().toISOString() }]);
}

let flushing: Promise<number> | null = null;

/** Sends what waits in the outbox, in order; returns how many were sent. One flush at a
 * time: a second call while one runs waits for it and then sends what came since. */
export async function flushOutbox(): Promise<number> {
  while (flushing) await flushing;
  flushing = sendQueued().finally(() => (flushing = null));
  return flushing;
}

async function sendQueued(): Promise<number> {
  let sent = 0;
  for (;;) {
    const [next, ...rest] = outbox();
    if (!next) return sent;
    let response: Response;
    try {
      response = await authFetch(
        new Request(new URL(next.path, location.origin), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(next.body),
        }),
      );
    } catch {
      return sent;
    }
    if (response.status >= 500) return sent;
    if (!response.ok) console.warn(`a queued answer to ${next.path} was refused (${response.status}); dropped`);
    saveOutbox(rest);
    sent += 1;
    window.dispatchEvent(new CustomEvent("tessera:outbox-sent", { detail: 1 }));
  }
}

let started = false;
/** Flushes now, whenever the browser comes back online, and every few seconds while
 * something waits (an "online" event can come before the network really answers). */
export function startOutbox() {
  if (started) return;
  started = true;
  const flush = () => void flushOutbox();
  window.addEventListener("online", flush);
  setInterval(() => {
    if (navigator.onLine && outbox().length > 0) flush();
  }, 5_000);
  flush();
}
