import { describe, expect, it } from "vitest";
import { NOTE_CHAR, TAG, noteLeft, noteLines, textWidth, wrap } from "./inspector-steps";

describe("the steps of Ping's flow under the inspector's arrows", () => {
  it("wraps a step to the width, whole words first, and ends a step too long in an ellipsis", () => {
    const chars = (n: number) => n * NOTE_CHAR;
    expect(wrap("4b. The customer server creates a registration token", chars(20), 3)).toEqual(["4b. The customer", "server creates a", "registration token"]);
    expect(wrap("one two three four five six seven", chars(9), 2)).toEqual(["one two", "three…"]);
    expect(wrap("a-very-long-single-word", chars(8), 3)).toEqual(["a-very-…"]);
    expect(wrap("MOBILE_PAIRING_REQUIRED with", chars(33), 3)).toEqual(["MOBILE_PAIRING_REQUIRED", "with"]);
  });

  it("gives a step its lines at the diagram's width, a lone beyond-Ping tag one line, and nothing else none", () => {
    const step = "5. PingOne MFA starts the pairing: the serverPayload for MOBILE_PAIRING_REQUIRED";
    const wide = noteLines({ step, beyondPing: false }, 360);
    expect(wide.join(" ")).toBe(step);
    for (const line of wide) expect(textWidth(line)).toBeLessThanOrEqual(360 - 12);
    const tagged = noteLines({ step, beyondPing: true }, 360);
    for (const line of tagged) expect(TAG + textWidth(line)).toBeLessThanOrEqual(360 - 12);
    expect(noteLines({ step: null, beyondPing: true }, 360)).toEqual([""]);
    expect(noteLines({ step: null, beyondPing: false }, 360)).toEqual([]);
  });

  it("centres a note on its arrow but keeps it inside the diagram", () => {
    expect(noteLeft(["abcd"], false, 180, 360)).toBeCloseTo(180 - (4 * NOTE_CHAR) / 2);
    expect(noteLeft(["x".repeat(40)], true, 300, 360)).toBeCloseTo(360 - 6 - (TAG + 40 * NOTE_CHAR));
    expect(noteLeft(["x".repeat(60)], false, 10, 360)).toBe(6);
  });
});
