import { afterEach, describe, expect, it } from "vitest";
import { GongAuthError } from "../../src/gong/errors.js";
import { hasActivity } from "../../src/gong/schemas.js";
import { DAY_MS } from "../../src/gong/windows.js";
import { SimOrg } from "../../src/sim/org.js";
import type { GongSim } from "../../src/sim/server.js";
import { connectToSim, startSim } from "../helpers/gong.js";

const NOW = Date.parse("2026-11-27T05:00:00Z"); // 2026-11-26 in Los Angeles
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function setup(options: Parameters<typeof startSim>[0] = {}) {
  const org = new SimOrg({ now: new Date(NOW) });
  for (let i = 0; i < 250; i++) {
    // 19-digit ids above 2^53: a bare JSON number would lose digits.
    const id = `92233720368547758${String(i).padStart(2, "0")}`.slice(0, 19);
    const user = org.addUser({
      id: i < 100 ? id : (undefined as unknown as string),
      firstName: "U",
      lastName: String(i),
    });
    if (i % 2 === 0) org.addActivity(user.id, "othersCallsListenedTo", NOW - 5 * DAY_MS, 2);
  }
  const sim: GongSim = await startSim({ org, clock: () => NOW, ...options });
  open.push(sim);
  const gong = connectToSim(sim);
  open.push(gong);
  return { sim, gong };
}

describe("GongClient.activityPages", () => {
  it("pages every record once with the cursor in the body, ids exact even as bare numbers", async () => {
    const { sim, gong } = await setup({ bareNumericIds: true });
    const pager = gong.client.activityPages({ fromDate: "2026-11-01", toDate: "2026-11-26" });
    const ids: string[] = [];
    for await (const r of pager) ids.push(r.userId);
    pager.ensureComplete();
    expect(ids).toHaveLength(125);
    expect(pager.pages).toBe(2);
    expect(pager.timeZone).toBe("America/Los_Angeles");
    const expected = sim.org
      .users()
      .filter((_, i) => i % 2 === 0)
      .map((u) => u.id)
      .sort();
    expect(ids.sort()).toEqual(expected);
  });

  it("reads an empty answer (404 'No ... found') as no activity, and a record with missing counts as activity", async () => {
    const { gong } = await setup();
    const pager = gong.client.activityPages({ fromDate: "2025-01-01", toDate: "2025-02-01" });
    expect(await pager.next()).toEqual([]);
    pager.ensureComplete();
    expect(hasActivity({})).toBe(true);
    expect(hasActivity({ callsAsHost: 0 })).toBe(true);
    expect(hasActivity({ othersCallsListenedTo: 3 })).toBe(true);
    const zeros = Object.fromEntries(
      [
        "callsAsHost",
        "callsAttended",
        "callsGaveFeedback",
        "callsRequestedFeedback",
        "callsReceivedFeedback",
        "ownCallsListenedTo",
        "othersCallsListenedTo",
        "callsSharedInternally",
        "callsSharedExternally",
        "callsScorecardsFilled",
        "callsScorecardsReceived",
        "callsCommentsGiven",
        "callsCommentsReceived",
        "callsMarkedAsFeedbackGiven",
        "callsMarkedAsFeedbackReceived",
      ].map((k) => [k, 0]),
    );
    expect(hasActivity(zeros)).toBe(false);
  });

  it("names the scope on 401/403, and learns the company time zone without asking about tomorrow", async () => {
    const { sim, gong } = await setup();
    expect(await gong.client.companyTimeZone(new Date(NOW))).toBe("America/Los_Angeles");
    expect(sim.stats.byStatus["400"]).toBeUndefined();
    sim.addFault({ endpoint: "POST /v2/stats/activity/aggregate", fault: { kind: "status", status: 403 } });
    const error = await gong.client
      .activityPages({ fromDate: "2026-11-01", toDate: "2026-11-26" })
      .next()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GongAuthError);
    expect((error as Error).message).toMatch(/scope api:stats:user-actions/);
    expect(() => gong.client.activityPages({ fromDate: "2026-11-26", toDate: "2026-11-01" })).toThrow(
      RangeError,
    );
    expect(() => gong.client.activityPages({ fromDate: "2026-11-01T00:00Z", toDate: "2026-11-26" })).toThrow(
      /YYYY-MM-DD/,
    );
  });
});
