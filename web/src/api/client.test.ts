import { describe, expect, it } from "vitest";
import { ApiError } from "./client";

describe("ApiError.from", () => {
  it("takes the API's message, code, field and request id", async () => {
    const body = { error: { code: "VALIDATION_ERROR", message: "password: too short", details: { field: "password" }, request_id: "r1" } };
    const e = await ApiError.from(new Response(JSON.stringify(body), { status: 422, headers: { "content-type": "application/json" } }));
    expect([e.status, e.code, e.message, e.field, e.requestId]).toEqual([422, "VALIDATION_ERROR", "password: too short", "password", "r1"]);
  });

  it("keeps Retry-After, and says something plain when the body is not the API's", async () => {
    const e = await ApiError.from(new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway", headers: { "retry-after": "7" } }));
    expect(e.message).toBe("The server answered 502 Bad Gateway");
    expect(e.retryAfter).toBe(7);
  });
});
