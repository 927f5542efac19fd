import { describe, expect, it } from "vitest";
import { activityDays, describeActivity } from "../../src/audit/activity.js";
import {
  addDays,
  isIsoDate,
  lookBack,
  startOfZonedDay,
  zonedDate,
  zonedDateTime,
} from "../../src/gong/days.js";
import { DAY_MS } from "../../src/gong/windows.js";

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

  it("the any rule's days: the look-back's first day up to today (exclusive), today's calls from its start", () => {
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

  it("a look-back is today and the N whole days before it, counted in calendar days of the zone", () => {
    const la = "America/Los_Angeles";
    const berlin = "Europe/Berlin";
    const at = (iso: string, zone: string, days = 90) => {
      const l = lookBack(Date.parse(iso), days, zone);
      expect(l.timeZone).toBe(zone);
      return [l.firstDay, l.lastDay];
    };
    // The minute before and after local midnight in Los Angeles (PST, UTC-8).
    expect(at("2026-12-03T07:59:00Z", la)).toEqual(["2026-09-03", "2026-12-02"]);
    expect(at("2026-12-03T08:00:00Z", la)).toEqual(["2026-09-04", "2026-12-03"]);
    expect(at("2026-12-03T08:01:00Z", la)).toEqual(["2026-09-04", "2026-12-03"]);
    // Across DST: 90 × 24 hours back from 23:30 PST lands on 00:30 PDT of the next day, and from 00:30
    // PDT on 23:30 PST of the day before; the calendar count moves neither edge.
    expect(at("2026-12-03T07:30:00Z", la)).toEqual(["2026-09-03", "2026-12-02"]);
    expect(at("2027-03-20T07:30:00Z", la)).toEqual(["2026-12-19", "2027-03-20"]); // reaches 12-19 23:30
    expect(at("2027-03-20T08:00:00Z", la)).toEqual(["2026-12-20", "2027-03-20"]); // 01:00 PDT: 12-20 00:00
    // Los Angeles on its DST days: 02:00 is skipped (2027-03-14) and repeated (2026-11-01).
    expect(at("2027-03-14T09:59:00Z", la, 1)).toEqual(["2027-03-13", "2027-03-14"]); // 01:59 PST
    expect(at("2027-03-14T10:00:00Z", la, 1)).toEqual(["2027-03-13", "2027-03-14"]); // 03:00 PDT
    expect(at("2026-11-01T08:30:00Z", la, 1)).toEqual(["2026-10-31", "2026-11-01"]); // 01:30 PDT
    expect(at("2026-11-01T09:30:00Z", la, 1)).toEqual(["2026-10-31", "2026-11-01"]); // 01:30 PST
    expect(at("2026-11-02T07:59:00Z", la, 1)).toEqual(["2026-10-31", "2026-11-01"]); // 23:59 PST
    // Berlin: the minute CI runs at (00:58:30 UTC, 01:58:30 CET, just before 02:00 becomes 03:00 CEST),
    // and its local midnights either side of the change (CET UTC+1, then CEST UTC+2).
    expect(at("2027-03-28T00:58:30Z", berlin)).toEqual(["2026-12-28", "2027-03-28"]);
    expect(at("2027-03-28T01:01:00Z", berlin)).toEqual(["2026-12-28", "2027-03-28"]);
    expect(at("2027-03-27T22:59:00Z", berlin)).toEqual(["2026-12-27", "2027-03-27"]);
    expect(at("2027-03-27T23:00:00Z", berlin)).toEqual(["2026-12-28", "2027-03-28"]);
    expect(at("2027-03-28T21:59:00Z", berlin)).toEqual(["2026-12-28", "2027-03-28"]);
    // 00:00 CEST on the 29th: 90 × 24 hours back is 23:00 CET on 12-28, which counts whole.
    expect(at("2027-03-28T22:00:00Z", berlin)).toEqual(["2026-12-28", "2027-03-29"]);
    expect(at("2027-03-28T23:00:00Z", berlin)).toEqual(["2026-12-29", "2027-03-29"]);
    expect(at("2026-10-25T22:59:00Z", berlin)).toEqual(["2026-07-27", "2026-10-25"]); // 23:59 CET
    expect(at("2026-10-25T23:00:00Z", berlin)).toEqual(["2026-07-28", "2026-10-26"]);
    // 29 February: counted as a day like any other, and a look-back may start or end on it.
    expect(at("2028-02-29T12:00:00Z", la)).toEqual(["2027-12-01", "2028-02-29"]); // 04:00 PST
    expect(at("2028-03-01T07:59:00Z", la, 1)).toEqual(["2028-02-28", "2028-02-29"]); // 23:59 PST
    expect(at("2028-03-01T08:00:00Z", la, 1)).toEqual(["2028-02-29", "2028-03-01"]);
    expect(at("2029-02-28T12:00:00Z", la, 365)).toEqual(["2028-02-29", "2029-02-28"]);
    expect(at("2028-02-29T12:00:00Z", "UTC", 365)).toEqual(["2027-03-01", "2028-02-29"]);
    expect(() => lookBack(0, 0, la)).toThrow(RangeError);
    expect(() => lookBack(0, 1.5, la)).toThrow(RangeError);
  });

  it("the edge day counts whole: every instant of the last N × 24 hours falls on the look-back's days", () => {
    // A year with two DST changes, in zones with a whole-hour and a half-hour DST change, every 433
    // minutes (prime: over the year the samples fall at every minute of the day).
    let earlier = 0;
    for (const zone of ["America/Los_Angeles", "Europe/Berlin", "Australia/Lord_Howe"])
      for (
        let t = Date.parse("2027-01-01T00:00:00Z");
        t < Date.parse("2028-01-01T00:00:00Z");
        t += 433 * 60_000
      )
        for (const days of [1, 90]) {
          const l = lookBack(t, days, zone);
          const calendar = addDays(zonedDate(t, zone), -days);
          // Never fewer than N whole days; the first day holds the instant N × 24 hours ago.
          expect(l.firstDay <= calendar).toBe(true);
          expect(startOfZonedDay(l.firstDay, zone)).toBeLessThanOrEqual(t - days * DAY_MS);
          // And no day more than that instant needs.
          if (l.firstDay !== calendar) {
            expect(startOfZonedDay(addDays(l.firstDay, 1), zone)).toBeGreaterThan(t - days * DAY_MS);
            earlier++;
          }
        }
    expect(earlier).toBeGreaterThan(0); // the DST case was met, in these zones and this year
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
