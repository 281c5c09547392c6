import { describe, expect, it } from "vitest";
import { totals } from "./AiSpendPage";

const line = (day: string, feature: string, model: string, requests: number, cost: number) => ({
  day,
  feature,
  model,
  requests,
  input_tokens: requests * 10,
  output_tokens: requests * 5,
  cost_usd: cost,
});

describe("totals", () => {
  const lines = [
    line("2026-12-01", "tutor", "gpt", 2, 0.5),
    line("2026-12-01", "chat-completions", "gpt", 1, 0.25),
    line("2026-12-02", "tutor", "local", 4, 0),
  ];

  it("sums requests, tokens and cost per key, largest cost first", () => {
    expect(totals(lines, "feature")).toEqual([
      { name: "tutor", requests: 6, tokens: 90, cost: 0.5 },
      { name: "chat-completions", requests: 1, tokens: 15, cost: 0.25 },
    ]);
    expect(totals(lines, "model").map((t) => t.name)).toEqual(["gpt", "local"]);
    expect(totals(lines, "day").map((t) => [t.name, t.requests])).toEqual([
      ["2026-12-01", 3],
      ["2026-12-02", 4],
    ]);
  });

  it("breaks cost ties by requests", () => {
    expect(totals([line("d", "a", "m", 1, 0), line("d", "b", "m", 3, 0)], "feature").map((t) => t.name)).toEqual(["b", "a"]);
  });
});
