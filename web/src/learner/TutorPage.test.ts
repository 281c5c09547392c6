import { describe, expect, it } from "vitest";
import { reasonText } from "../console/AlertsPage";
import { hintRung } from "./TutorPage";

describe("hintRung", () => {
  it("reads the debug agent's rung, 1 to 4, and nothing else", () => {
    expect(hintRung({ signature: "IndexError", rung: 2 })).toBe(2);
    expect(hintRung({ rung: 0 })).toBeNull();
    expect(hintRung({ rung: "3" })).toBeNull();
    expect(hintRung(null)).toBeNull();
  });
});

describe("reasonText", () => {
  it("says each kind of struggle alert in words, and an unknown one readably", () => {
    expect(reasonText("repeated-error")).toBe("keeps hitting the same error");
    expect(reasonText("quiz-failures")).toBe("keeps getting quiz answers wrong");
    expect(reasonText("new-kind_of-alert")).toBe("new kind of alert");
  });
});
