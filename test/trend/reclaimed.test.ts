import { describe, expect, it } from "vitest";
import {
  type DeactivationMove,
  deactivationsPerWeek,
  reclaimedAt,
  reclaimedSeats,
  weekOf,
} from "../../src/trend/reclaimed.js";
import { sparkline } from "../../src/trend/sparkline.js";

/** Reclaimed seats from the approvals trail: real deactivations count, dry runs do not, undo subtracts. */
const T = Date.parse("2028-02-28T10:00:00Z");
const H = 3_600_000;
const at = (ms: number) => new Date(ms).toISOString();
const move = (
  subjectId: number,
  ms: number,
  from: string | null,
  to: "done" | "reactivated",
  dryRun = false,
) => ({ subjectId, at: at(ms), fromState: from, toState: to, dryRun }) satisfies DeactivationMove;

describe("reclaimed seats", () => {
  const moves: DeactivationMove[] = [
    move(1, T, "executing", "done"), // SCIM
    move(2, T + H, "awaiting_idp", "done"), // Okta, Entra or manual, confirmed by a sync
    move(3, T + 2 * H, "approved", "done"), // a dry run under GONGOPS_DRY_RUN: nothing changed
    move(4, T + 3 * H, "executing", "done", true), // a request marked dry run
    move(5, T + 4 * H, "executing", "done"),
    move(5, T + 5 * H, "done", "done"), // a note in the trail (an IdP call), not a move
    move(1, T + 6 * H, "done", "reactivated"), // undone
    move(6, T + 7 * H, "failed", "reactivated"), // never counted, so nothing to give back
    move(3, T + 8 * H, "done", "reactivated"), // the dry run "undone"
  ];
  const seats = reclaimedSeats(moves);

  it("counts finished deactivations, not dry runs, and gives back the undone ones", () => {
    expect(seats.map((s) => s.subjectId).sort()).toEqual([1, 2, 5]);
    expect(reclaimedAt(seats, T - 1)).toBe(0);
    expect(reclaimedAt(seats, T)).toBe(1);
    expect(reclaimedAt(seats, T + 4 * H)).toBe(3);
    expect(reclaimedAt(seats, T + 6 * H)).toBe(2);
    expect(reclaimedAt(seats, T + 100 * H)).toBe(2);
  });

  it("marks each week's deactivations on its Monday (UTC), a leap day and a year end included", () => {
    expect(weekOf(Date.parse("2028-02-29T23:59:59Z"))).toBe("2028-02-28"); // a Tuesday
    expect(weekOf(Date.parse("2028-03-05T23:59:59Z"))).toBe("2028-02-28"); // Sunday: same week
    expect(weekOf(Date.parse("2028-03-06T00:00:00Z"))).toBe("2028-03-06");
    expect(weekOf(Date.parse("2027-01-01T12:00:00Z"))).toBe("2026-12-28");
    const weekly = deactivationsPerWeek(
      reclaimedSeats([
        ...moves,
        move(7, Date.parse("2028-03-07T09:00:00Z"), "executing", "done"),
        move(8, Date.parse("2028-01-01T09:00:00Z"), "executing", "done"),
      ]),
      Date.parse("2028-02-01T00:00:00Z"),
    );
    // Reactivated seats were still deactivated that week; the one before the range is left out.
    expect(weekly).toEqual([
      { week: "2028-02-28", deactivated: 3 },
      { week: "2028-03-06", deactivated: 1 },
    ]);
  });
});

describe("sparkline", () => {
  it("draws lowest to highest, flat as mid height, and only the last `width` values", () => {
    expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8])).toBe("▁▂▃▄▅▆▇█");
    expect(sparkline([180, 150, 120, 90])).toBe("█▆▃▁");
    expect(sparkline([5, 5, 5])).toBe("▄▄▄");
    expect(sparkline([])).toBe("");
    expect(sparkline([9, 1, 2, 3], 3)).toBe("▁▅█");
  });
});
