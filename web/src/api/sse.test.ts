import { describe, expect, it } from "vitest";
import { parseEvents } from "./sse";

describe("parseEvents", () => {
  it("splits named events, joins data lines and keeps an unfinished event for later", () => {
    const { events, rest } = parseEvents('event: alert\ndata: {"id":1}\n\n: keep-alive\n\ndata: a\ndata: b\n\nevent: alert\ndata: {"id"');
    expect(events).toEqual([
      { event: "alert", data: '{"id":1}' },
      { event: "message", data: "a\nb" },
    ]);
    expect(rest).toBe('event: alert\ndata: {"id"');
  });

  it("accepts CRLF line ends", () => {
    expect(parseEvents("event: x\r\ndata: 1\r\n\r\n").events).toEqual([{ event: "x", data: "1" }]);
  });
});
