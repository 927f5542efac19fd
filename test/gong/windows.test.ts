import { describe, expect, it } from "vitest";
import { backoffDelay, defaultRetryPolicy, parseRetryAfter } from "../../src/gong/retry.js";
import { DAY_MS, gongDateTime, splitWindows } from "../../src/gong/windows.js";

describe("splitWindows", () => {
  it("splits 250 days into 90 + 90 + 70 with no gap and no overlap", () => {
    const from = new Date("2026-01-01T00:00:00Z");
    const to = new Date(from.getTime() + 250 * DAY_MS);
    const windows = splitWindows(from, to, 90);
    expect(windows.map((w) => (w.to.getTime() - w.from.getTime()) / DAY_MS)).toEqual([90, 90, 70]);
    expect(windows[0]!.from).toEqual(from);
    expect(windows[2]!.to).toEqual(to);
    for (let i = 1; i < windows.length; i++) expect(windows[i]!.from).toEqual(windows[i - 1]!.to);
  });

  it("keeps a range within the cap as one window, and an empty range as none", () => {
    const from = new Date("2026-01-01T00:00:00Z");
    expect(splitWindows(from, new Date(from.getTime() + 90 * DAY_MS), 90)).toHaveLength(1);
    expect(splitWindows(from, from, 90)).toEqual([]);
  });

  it("formats Gong date-times without milliseconds when there are none", () => {
    expect(gongDateTime(new Date("2026-01-01T00:00:00Z"))).toBe("2026-01-01T00:00:00Z");
    expect(gongDateTime(new Date("2026-01-01T00:00:00.250Z"))).toBe("2026-01-01T00:00:00.250Z");
  });
});

describe("retry timing", () => {
  it("parses Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });

  it("uses full jitter under an exponential, capped ceiling", () => {
    const p = { ...defaultRetryPolicy, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(p, 0, () => 0.999)).toBe(99);
    expect(backoffDelay(p, 3, () => 0.999)).toBe(799);
    expect(backoffDelay(p, 10, () => 0.999)).toBe(999);
    expect(backoffDelay(p, 10, () => 0)).toBe(0);
  });
});
