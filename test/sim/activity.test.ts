import { afterEach, describe, expect, it } from "vitest";
import { startOfZonedDay } from "../../src/gong/days.js";
import { DAY_MS } from "../../src/gong/windows.js";
import { SimOrg } from "../../src/sim/org.js";
import { GongSim } from "../../src/sim/server.js";

/**
 * The simulator's POST /v2/stats/activity/aggregate keeps the contract in gong-api-facts.md ("Activity
 * statistics"): dates in the company's time zone, toDate exclusive and never after today, only active
 * users with activity, cursor paging in the body, 404 "No ... found" when nobody did anything.
 */
const TZ = "Europe/Berlin";
const NOW = Date.parse("2026-11-26T23:30:00Z"); // already 2026-11-27 00:30 in Berlin
const A = "6000000000000000001";
const B = "6000000000000000002";
const GONE = "6000000000000000003";

const sims: GongSim[] = [];
afterEach(async () => {
  while (sims.length) await sims.pop()!.close();
});

async function start(pageSize = 100) {
  const org = new SimOrg({ now: new Date(NOW), timeZone: TZ });
  org.addUser({ id: A, firstName: "A", lastName: "A" });
  org.addUser({ id: B, firstName: "B", lastName: "B" });
  org.addUser({ id: GONE, firstName: "G", lastName: "G", active: false });
  // A: one listen at the first instant of 2026-11-20 Berlin time, one at its last instant.
  org.addActivity(A, "othersCallsListenedTo", startOfZonedDay("2026-11-20", TZ));
  org.addActivity(A, "callsScorecardsFilled", startOfZonedDay("2026-11-21", TZ) - 1);
  org.addCall({ primaryUserId: B, at: startOfZonedDay("2026-11-21", TZ) });
  org.addActivity(GONE, "othersCallsListenedTo", startOfZonedDay("2026-11-20", TZ) + 1000, 5);
  for (let i = 0; i < 30; i++) {
    const id = `61000000000000000${String(i).padStart(2, "0")}`;
    org.addUser({ id, firstName: "P", lastName: String(i) });
    org.addActivity(id, "callsAttended", NOW - 3 * DAY_MS);
  }
  const sim = await GongSim.start({ org, maxRps: null, pageSize, clock: () => NOW });
  sims.push(sim);
  return sim;
}

async function post(sim: GongSim, body: unknown, authorized = true) {
  const auth = Buffer.from(`${sim.credentials.accessKey}:${sim.credentials.accessKeySecret}`).toString(
    "base64",
  );
  const res = await fetch(`${sim.url}/v2/stats/activity/aggregate`, {
    method: "POST",
    headers: {
      ...(authorized ? { authorization: `Basic ${auth}` } : {}),
      "content-type": "application/json",
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe("POST /v2/stats/activity/aggregate in the simulator", () => {
  it("counts whole days in the company time zone, toDate exclusive, with the zone in the answer", async () => {
    const sim = await start();
    const day20 = await post(sim, {
      filter: { fromDate: "2026-11-20", toDate: "2026-11-21", userIds: [A, B] },
    });
    expect(day20.status).toBe(200);
    expect(day20.body.timeZone).toBe(TZ);
    expect(day20.body.fromDateTime).toBe("2026-11-20T00:00:00+01:00");
    expect(day20.body.usersAggregateActivityStats).toEqual([
      {
        userId: A,
        userEmailAddress: expect.any(String),
        userAggregateActivityStats: { othersCallsListenedTo: 1, callsScorecardsFilled: 1 },
      },
    ]);
    const day21 = await post(sim, {
      filter: { fromDate: "2026-11-21", toDate: "2026-11-22", userIds: [A, B] },
    });
    expect(day21.body.usersAggregateActivityStats).toEqual([
      expect.objectContaining({ userId: B, userAggregateActivityStats: { callsAsHost: 1 } }),
    ]);
  });

  it("refuses a toDate after today in the company's zone (not UTC's), and bad dates", async () => {
    const sim = await start();
    // In Berlin it is already the 27th: a toDate of the 27th is today, fine; the 28th is refused.
    expect((await post(sim, { filter: { fromDate: "2026-11-20", toDate: "2026-11-27" } })).status).toBe(200);
    const tomorrow = await post(sim, { filter: { fromDate: "2026-11-20", toDate: "2026-11-28" } });
    expect(tomorrow.status).toBe(400);
    expect(tomorrow.body.errors[0]).toMatch(/may not be after today \(2026-11-27, Europe\/Berlin\)/);
    expect((await post(sim, { filter: { fromDate: "2026-11-20", toDate: "2026-11-20" } })).status).toBe(400);
    expect((await post(sim, { filter: { fromDate: "2026-11-31", toDate: "2026-12-01" } })).status).toBe(400);
    expect(
      (await post(sim, { filter: { fromDate: "2026-11-20T00:00:00Z", toDate: "2026-11-21" } })).status,
    ).toBe(400);
  });

  it("lists only active users with activity, pages with the cursor in the body, and 404s when nobody did anything", async () => {
    const sim = await start(10);
    const filter = { fromDate: "2026-11-01", toDate: "2026-11-27" };
    const seen: string[] = [];
    let cursor: string | undefined;
    let total = 0;
    do {
      const page = await post(sim, { filter, ...(cursor ? { cursor } : {}) });
      expect(page.status).toBe(200);
      total = page.body.records.totalRecords;
      seen.push(...page.body.usersAggregateActivityStats.map((r: { userId: string }) => r.userId));
      cursor = page.body.records.cursor;
    } while (cursor);
    expect(total).toBe(32);
    expect(new Set(seen).size).toBe(32);
    expect(seen).not.toContain(GONE);
    const empty = await post(sim, { filter: { fromDate: "2025-01-01", toDate: "2025-02-01" } });
    expect(empty.status).toBe(404);
    expect(empty.body.errors[0]).toMatch(/^No .* found/);
    expect((await post(sim, { filter }, false)).status).toBe(401);
  });

  it("generates managers who host nothing but listen and score", () => {
    const now = new Date("2026-06-01T00:00:00Z");
    const org = SimOrg.generate({ users: 400, seed: 3, now });
    const from = now.getTime() - 90 * DAY_MS;
    const listeners = org
      .users()
      .filter((u) => u.active && org.hostedBetween(u.id, from, now.getTime()) === 0)
      .filter((u) => (org.activityBetween(u.id, from, now.getTime()).othersCallsListenedTo ?? 0) > 0);
    expect(listeners.length).toBeGreaterThan(5);
    const idle = org
      .users()
      .filter((u) => u.active && Object.keys(org.activityBetween(u.id, from, now.getTime())).length === 0);
    expect(idle.length).toBeGreaterThan(5);
  });
});
