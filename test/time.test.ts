import { describe, expect, it } from "vitest";
import { clauses, durationWords } from "../src/time.js";

describe("words for time and reasons", () => {
  it("a duration reads at a glance, never as a fraction of an hour", () => {
    expect(durationWords(96 * 3600_000)).toBe("96 h");
    expect(durationWords(2.5 * 3600_000)).toBe("2.5 h");
    expect(durationWords(45 * 60_000)).toBe("45 min");
    expect(durationWords(36_000)).toBe("36 s");
    expect(durationWords(10)).toBe("1 s");
  });

  it("clauses leave out the empty ones, so a reason never reads '…; ; …'", () => {
    expect(clauses("Émile did not decide in 36 s", "", "  ", null, "you are next")).toBe(
      "Émile did not decide in 36 s; you are next",
    );
    expect(clauses()).toBe("");
  });
});
