import { describe, expect, it } from "vitest";
import { keyBytes } from "./NotificationSettings";

describe("keyBytes", () => {
  it("decodes an unpadded base64url VAPID key", () => {
    // 0xfb 0xff 0xbf: "+/+/" in base64, "-_-_" in base64url.
    expect(Array.from(keyBytes("-_-_"))).toEqual([0xfb, 0xff, 0xbf]);
    expect(keyBytes("BA").length).toBe(1);
  });
});
