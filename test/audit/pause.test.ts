import { describe, expect, it } from "vitest";
import { pauseOrFail } from "../../src/audit/pause.js";
import { UsageError } from "../../src/errors.js";
import {
  GongAuthError,
  GongNetworkError,
  GongQuotaExhaustedError,
  GongRateLimitError,
  GongRequestError,
  GongResponseError,
  GongRetryAfterTooLongError,
  GongServerError,
} from "../../src/gong/errors.js";

const where = { method: "POST", path: "/v2/calls/extensive", status: 503 };
const now = new Date("2026-11-27T10:00:00Z");
const at = (input: { aborted?: boolean; transientPauses?: number } = {}) => ({
  now,
  aborted: false,
  transientPauses: 0,
  ...input,
});

describe("pauseOrFail", () => {
  it("pauses until Gong allows when the quota is spent or Gong asks for a long wait", () => {
    const reset = new Date("2026-11-28T00:00:00Z");
    expect(pauseOrFail(new GongQuotaExhaustedError(where, 10, 10, reset), at())).toMatchObject({
      action: "pause",
      kind: "quota",
      resumeAt: reset,
    });
    const later = new Date("2026-11-27T13:00:00Z");
    expect(pauseOrFail(new GongRetryAfterTooLongError(where, later), at())).toMatchObject({
      action: "pause",
      kind: "retry-after",
      resumeAt: later,
    });
  });

  it("pauses with a doubling back-off on what a later try can get past", () => {
    const transient = [
      new GongServerError(where),
      new GongNetworkError(where, new Error("ECONNRESET")),
      new GongRateLimitError({ ...where, status: 429 }),
      new GongResponseError(where, "the listing ended after 90 of the 100 records Gong announced"),
      Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" }),
    ];
    for (const error of transient) {
      const d = pauseOrFail(error, at());
      expect(d).toMatchObject({ action: "pause", kind: "transient" });
      if (d.action === "pause") expect(d.resumeAt.getTime() - now.getTime()).toBe(30_000);
    }
    const third = pauseOrFail(new GongServerError(where), at({ transientPauses: 2 }));
    expect(third.action === "pause" && third.resumeAt.getTime() - now.getTime()).toBe(120_000);
    const capped = pauseOrFail(new GongServerError(where), at({ transientPauses: 40 }));
    expect(capped.action === "pause" && capped.resumeAt.getTime() - now.getTime()).toBe(30 * 60_000);
  });

  it("fails on what no retry can fix, even while stopping", () => {
    for (const error of [
      new GongAuthError({ ...where, status: 401 }),
      new GongRequestError({ ...where, status: 400 }),
      new UsageError("bad"),
      new TypeError("a bug"),
    ]) {
      expect(pauseOrFail(error, at()).action).toBe("fail");
    }
  });

  it("pauses at once when asked to stop, whatever the error on the way out", () => {
    expect(pauseOrFail(new Error("aborted"), at({ aborted: true }))).toMatchObject({
      action: "pause",
      kind: "interrupted",
      resumeAt: now,
    });
  });
});
