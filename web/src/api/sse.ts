// Server-sent events over `fetch`, so the bearer token goes in a header (EventSource cannot
// send one, and a token in the URL would land in access logs). Reconnects after a dropped
// connection with a growing delay; stops when `signal` aborts.
import { ApiError, authFetch } from "./client";

export interface SseEvent {
  event: string;
  data: string;
}

/** Splits a text/event-stream body into events (the WHATWG parsing rules, minus `retry`). */
export function parseEvents(buffer: string): { events: SseEvent[]; rest: string } {
  const events: SseEvent[] = [];
  const blocks = buffer.replace(/\r\n?/g, "\n").split("\n\n");
  const rest = blocks.pop() ?? "";
  for (const block of blocks) {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":") || line === "") continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (data.length > 0) events.push({ event, data: data.join("\n") });
  }
  return { events, rest };
}

export async function subscribe(
  path: string,
  onEvent: (e: SseEvent) => void,
  onState: (state: "open" | "retrying" | "closed", error?: unknown) => void,
  signal: AbortSignal,
): Promise<void> {
  let delay = 1000;
  while (!signal.aborted) {
    try {
      const response = await authFetch(new Request(new URL(path, location.origin), { headers: { accept: "text/event-stream" }, signal }));
      if (!response.ok || !response.body) {
        const error = await ApiError.from(response);
        // A refusal (no permission, signed out) will not change by retrying.
        if (response.status < 500 && response.status !== 429) {
          onState("closed", error);
          return;
        }
        throw error;
      }
      onState("open");
      delay = 1000;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const parsed = parseEvents(buffer + value);
        buffer = parsed.rest;
        parsed.events.forEach(onEvent);
      }
    } catch (e) {
      if (signal.aborted) return;
      onState("retrying", e);
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 15_000);
  }
}
