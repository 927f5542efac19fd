import { describe, expect, it } from "vitest";
import { activityDays, describeActivity } from "../../src/audit/activity.js";
import { addDays, isIsoDate, startOfZonedDay, zonedDate, zonedDateTime } from "../../src/gong/days.js";

/** Company days, as Gong's activity statistics count them, against the platform's zone data. */
describe("days in a company's time zone", () => {
  it("start at local midnight, 23 or 25 hours apart across a DST change", () => {
    const la = "America/Los_Angeles";
    expect(new Date(startOfZonedDay("2026-03-08", la)).toISOString()).toBe("2026-03-08T08:00:00.000Z");
    expect(new Date(startOfZonedDay("2026-03-09", la)).toISOString()).toBe("2026-03-09T07:00:00.000Z");
    expect(startOfZonedDay("2026-11-02", la) - startOfZonedDay("2026-11-01", la)).toBe(25 * 3600_000);
    expect(zonedDateTime(startOfZonedDay("2026-11-02", la), la)).toBe("2026-11-02T00:00:00-08:00");
    // Santiago skips its midnight when DST begins: the day starts at 01:00.
    expect(zonedDateTime(startOfZonedDay("2026-09-06", "America/Santiago"), "America/Santiago")).toBe(
      "2026-09-06T01:00:00-03:00",
    );
    expect(new Date(startOfZonedDay("2026-11-27", "Asia/Kolkata")).toISOString()).toBe(
      "2026-11-26T18:30:00.000Z",
    );
    const t = startOfZonedDay("2026-11-27", "Pacific/Kiritimati");
    expect([zonedDate(t - 1, "Pacific/Kiritimati"), zonedDate(t, "Pacific/Kiritimati")]).toEqual([
      "2026-11-26",
      "2026-11-27",
    ]);
  });

  it("validate and add dates", () => {
    expect(isIsoDate("2026-02-29")).toBe(false);
    expect(isIsoDate("2028-02-29")).toBe(true);
    expect(isIsoDate("2026-11-27T00:00:00Z")).toBe(false);
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
  });

  it("the any rule's days: from the day of now - N up to today (exclusive), today's calls from its start", () => {
    const now = new Date("2026-11-27T03:30:00Z"); // 2026-11-26 19:30 in Los Angeles, already the 27th in UTC
    expect(activityDays(now, 90, "America/Los_Angeles")).toEqual({
      timeZone: "America/Los_Angeles",
      fromDate: "2026-08-28", // now - 90 days = 2026-08-29T03:30Z = the 28th, 20:30 in Los Angeles
      toDate: "2026-11-26",
      todayStart: Date.parse("2026-11-26T08:00:00Z"),
    });
    const tokyo = activityDays(now, 1, "Asia/Tokyo"); // 12:30 on the 27th in Tokyo
    expect([tokyo.fromDate, tokyo.toDate]).toEqual(["2026-11-26", "2026-11-27"]);
  });

  it("say what a user did in words, and never make up what Gong left out", () => {
    expect(describeActivity({ othersCallsListenedTo: 14, callsScorecardsFilled: 3 })).toBe(
      "listened to 14 calls, filled 3 scorecards",
    );
    expect(describeActivity({ callsAsHost: 1, callsAttended: 2 }, { exceptHosting: true })).toBe(
      "attended 2 calls",
    );
    expect(describeActivity({})).toBe("some activity Gong did not break down");
    expect(describeActivity(null)).toBe("no activity");
  });
});
