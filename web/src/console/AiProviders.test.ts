import { describe, expect, it } from "vitest";
import { breakerText } from "./AiProviders";
import { tokens } from "./UserBudgets";

const breaker = (over: Partial<Parameters<typeof breakerText>[0]>) => ({
  state: "closed",
  failures: 0,
  successes: 0,
  open_until: null,
  probing: false,
  problem: null,
  ...over,
});

describe("breakerText", () => {
  it("says what each state means for requests", () => {
    expect(breakerText(breaker({}))).toBe("closed: taking requests");
    expect(breakerText(breaker({ failures: 2 }))).toBe("closed: taking requests (2 failures in a row)");
    expect(breakerText(breaker({ state: "open", open_until: null }))).toBe("open: requests go to the fallbacks");
    expect(breakerText(breaker({ state: "open", open_until: "2026-12-05T10:00:00Z" }))).toMatch(/^open: requests go to the fallbacks until /);
    expect(breakerText(breaker({ state: "half-open", probing: true }))).toBe("half-open: a probe request is out");
    expect(breakerText(breaker({ state: "half-open", successes: 1 }))).toBe("half-open: the next request probes it (1 success so far)");
  });
});

describe("tokens", () => {
  it("reads a zero budget as unlimited", () => {
    expect(tokens(0)).toBe("unlimited");
    expect(tokens(50000)).toBe("50,000 tokens");
  });
});
