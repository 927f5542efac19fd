import { describe, expect, it } from "vitest";
import { dueSlot, formatInZone, nextRuns, parseCron } from "../../src/schedules/cron.js";

const H = 3_600_000;
const berlin = { cron: "0 9 * * *", timezone: "Europe/Berlin" };

describe("schedule math", () => {
  it("09:00 Europe/Berlin is 08:00 UTC before the spring DST change and 07:00 UTC after it", () => {
    // Europe switches to summer time on Sunday 2026-03-29 at 02:00 local.
    const runs = nextRuns(berlin.cron, berlin.timezone, new Date("2026-03-27T12:00:00Z"), 3);
    expect(runs.map((d) => d.toISOString())).toEqual([
      "2026-03-28T08:00:00.000Z",
      "2026-03-29T07:00:00.000Z",
      "2026-03-30T07:00:00.000Z",
    ]);
    expect(formatInZone(runs[1]!, "Europe/Berlin")).toBe("Sun 2026-03-29 09:00 CEST");
    // And back in autumn (2026-10-25).
    expect(
      nextRuns(berlin.cron, berlin.timezone, new Date("2026-10-24T12:00:00Z"), 2).map((d) => d.toISOString()),
    ).toEqual(["2026-10-25T08:00:00.000Z", "2026-10-26T08:00:00.000Z"]);
  });

  it("is due exactly at the slot, on time, and not a millisecond before", () => {
    const after = new Date("2026-03-28T12:00:00Z");
    const slot = new Date("2026-03-29T07:00:00Z");
    expect(dueSlot(berlin, after, new Date(slot.getTime() - 1), 12 * H)).toEqual({
      kind: "none",
      next: slot,
    });
    expect(dueSlot(berlin, after, slot, 12 * H)).toEqual({ kind: "run", dueAt: slot, delayed: false });
  });

  it("after three days down: one run for the newest slot, marked delayed; none when later than the limit", () => {
    const after = new Date("2026-03-01T08:00:00Z"); // the last slot dealt with
    const back = new Date("2026-03-04T10:30:00Z"); // 01, 02, 03 and 04 March slots passed
    const d = dueSlot(berlin, after, back, 12 * H);
    expect(d).toMatchObject({ kind: "run", dueAt: new Date("2026-03-04T08:00:00Z"), delayed: true });
    expect(dueSlot(berlin, after, new Date("2026-03-04T21:00:00Z"), 12 * H)).toEqual({
      kind: "too-late",
      dueAt: new Date("2026-03-04T08:00:00Z"),
    });
  });

  it("a minutely cron after a long outage still yields one slot, quickly", () => {
    const t0 = performance.now();
    const d = dueSlot(
      { cron: "* * * * *", timezone: "UTC" },
      new Date("2026-01-01T00:00:00Z"),
      new Date("2026-03-01T00:00:30Z"),
      12 * H,
    );
    expect(d).toMatchObject({ kind: "run", dueAt: new Date("2026-03-01T00:00:00Z"), delayed: false });
    expect(performance.now() - t0).toBeLessThan(100);
  });

  it("finds the same newest slot as stepping slot by slot, across zones and DST changes", () => {
    const crons = [
      "0 9 * * *",
      "0 */6 * * *",
      "*/30 2 * * *",
      "0 9 * * MON",
      "30 2 * * *",
      "0 0 1 * *",
      "45 23 * * 5",
    ];
    const zones = ["Europe/Berlin", "America/New_York", "Australia/Sydney"];
    const instants = [
      "2026-03-29T00:59:00Z",
      "2026-03-29T01:00:00Z",
      "2026-03-29T07:00:00Z",
      "2026-03-08T07:00:00Z",
      "2026-10-25T00:30:00Z",
      "2026-10-25T01:30:00Z",
      "2026-11-01T06:15:00Z",
      "2026-04-05T16:00:00Z",
      "2026-07-01T00:00:00Z",
      "2026-12-31T23:59:59Z",
    ];
    for (const cron of crons)
      for (const timezone of zones)
        for (const at of instants) {
          const now = new Date(at);
          const after = new Date(now.getTime() - 2 * 86_400_000);
          let expected: Date | null = null;
          for (
            let d = nextRuns(cron, timezone, after, 1)[0];
            d && d <= now;
            d = nextRuns(cron, timezone, d, 1)[0]
          )
            expected = d;
          const d = dueSlot({ cron, timezone }, after, now, Number.POSITIVE_INFINITY);
          expect(d.kind === "run" ? d.dueAt : null, `${cron} ${timezone} ${at}`).toEqual(expected);
        }
  });

  it("refuses a bad cron or zone with the next three runs of a correct example", () => {
    const now = new Date("2026-03-27T12:00:00Z");
    const example =
      /For example "0 9 \* \* MON" in Europe\/Berlin \(Mondays at 09:00\) runs next at Mon 2026-03-30 09:00 CEST, Mon 2026-04-06 09:00 CEST, Mon 2026-04-13 09:00 CEST\./;
    for (const [cron, tz, why] of [
      ["0 9 * * FOO", "UTC", /is not a valid cron/],
      ["0 9 * *", "UTC", /takes five fields/],
      ["0 0 9 * * MON", "UTC", /takes five fields/],
      ["61 9 * * *", "UTC", /is not a valid cron/],
      ["0 9 * * MON", "Mars/Olympus", /"Mars\/Olympus" is not an IANA time zone/],
    ] as const) {
      expect(() => parseCron(cron, tz, now), cron).toThrow(why);
      expect(() => parseCron(cron, tz, now), cron).toThrow(example);
    }
    // Abbreviations and fixed offsets are refused with the place they most likely mean, even those the
    // platform knows (EST is a fixed UTC-5 all year): "9:00 EST" would run at 10:00 in New York all summer.
    for (const [tz, place] of [
      ["EST", "America/New_York"],
      ["est", "America/New_York"],
      ["PST", "America/Los_Angeles"],
      ["EST5EDT", "America/New_York"],
      ["HST", "Pacific/Honolulu"],
      ["CET", "Europe/Berlin"],
      ["Etc/GMT+5", "America/New_York"],
    ] as const) {
      expect(() => parseCron("0 9 * * MON", tz, now), tz).toThrow(
        `Use the IANA zone of the place, like ${place}`,
      );
    }
    for (const tz of ["UTC", "Etc/UTC", "America/Phoenix", "Asia/Kolkata"])
      expect(parseCron("0 9 * * MON", tz, now).timezone).toBe(tz);
    expect(parseCron(" 0  9 * * MON ", "Europe/Berlin", now)).toEqual({
      cron: "0 9 * * MON",
      timezone: "Europe/Berlin",
    });
  });
});
