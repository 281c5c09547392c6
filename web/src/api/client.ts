// The API client: types generated from the server's OpenAPI document (web/openapi.json,
// kept equal to `/openapi.json` by a host test), so a renamed field fails `tsc`, not a
// learner. Every call goes through `authFetch`, which adds the access token and, when the
// server says it expired, rotates the refresh token once and retries.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";
import { tokens } from "./tokens";

export type Schemas = components["schemas"];

/** An error the API returned (its `error.message` is what people see), or a network failure. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  readonly requestId: string | undefined;
  readonly retryAfter: number | undefined;
  /** The error body's `details` (e.g. an uploaded pack's `problems`). */
  details: Record<string, unknown> | null = null;

  constructor(status: number, code: string, message: string, field?: string, requestId?: string, retryAfter?: number) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field;
    this.requestId = requestId;
    this.retryAfter = retryAfter;
  }

  /** What the server's error body says, or a plain description when it sent none. */
  static async from(response: Response, body?: unknown): Promise<ApiError> {
    let parsed = body;
    if (parsed === undefined) {
      try {
        parsed = await response.clone().json();
      } catch {
        parsed = undefined;
      }
    }
    const retry = Number(response.headers.get("retry-after") ?? "");
    const retryAfter = Number.isFinite(retry) && retry > 0 ? retry : undefined;
    const error = (parsed as { error?: { code?: string; message?: string; details?: { field?: string } | null; request_id?: string } } | undefined)?.error;
    if (error?.message) {
      const e = new ApiError(response.status, error.code ?? "ERROR", error.message, error.details?.field ?? undefined, error.request_id, retryAfter);
      e.details = (error.details as Record<string, unknown> | null | undefined) ?? null;
      return e;
    }
    return new ApiError(response.status, "HTTP_" + response.status, `The server answered ${response.status} ${response.statusText}`.trim(), undefined, undefined, retryAfter);
  }
}

/** Thrown when the browser cannot reach the server at all (offline, server down). */
export class OfflineError extends ApiError {
  constructor() {
    super(0, "OFFLINE", "Cannot reach the server: you may be offline. Your work is kept and sent when the connection is back.");
    this.name = "OfflineError";
  }
}

let refreshing: Promise<boolean> | null = null;

/** Rotates the refresh token; one rotation at a time however many calls saw the 401. */
function refreshOnce(): Promise<boolean> {
  refreshing ??= (async () => {
    const refresh = tokens.get()?.refresh_token;
    if (!refresh) return false;
    try {
      const response = await fetch("/api/v1/auth/refresh", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ refresh_token: refresh }),
      });
      if (!response.ok) {
        tokens.clear();
        return false;
      }
      tokens.set(await response.json());
      return true;
    } catch {
      return false;
    } finally {
      setTimeout(() => (refreshing = null), 0);
    }
  })();
  return refreshing;
}

/** `fetch` with the bearer token, one refresh-and-retry on 401, and offline as a typed error. */
export async function authFetch(input: Request): Promise<Response> {
  const retry = input.clone();
  const send = async (request: Request) => {
    const access = tokens.get()?.access_token;
    if (access && !request.headers.has("authorization")) request.headers.set("authorization", `Bearer ${access}`);
    try {
      return await fetch(request);
    } catch {
      throw new OfflineError();
    }
  };
  const response = await send(input);
  const isAuthRoute = new URL(input.url, location.origin).pathname.startsWith("/api/v1/auth/");
  if (response.status === 401 && !isAuthRoute && tokens.get()?.refresh_token) {
    if (await refreshOnce()) return send(retry);
  }
  return response;
}

export const api = createClient<paths>({ baseUrl: location.origin, fetch: authFetch });

/** The data of an openapi-fetch result, or the API's error thrown as an `ApiError`. */
export async function ok<T>(result: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await result;
  if (!response.ok || data === undefined) {
    if (response.ok && response.status === 204) return undefined as T;
    throw await ApiError.from(response, error);
  }
  return data;
}

/** A JSON call outside the typed paths (routes documented as a free-form object). */
export async function json<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  // A form's files go as multipart with the boundary the browser picks.
  if (init.body !== undefined && !(init.body instanceof FormData) && !headers.has("content-type")) headers.set("content-type", "application/json");
  const response = await authFetch(new Request(new URL(path, location.origin), { ...init, headers }));
  if (!response.ok) throw await ApiError.from(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}
