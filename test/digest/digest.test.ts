import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GongContext } from "../../src/context.js";
import type { Digest } from "../../src/digest/digest.js";
import { renderDigest } from "../../src/digest/render.js";
import { DAY_MS } from "../../src/gong/windows.js";
import { SimOrg } from "../../src/sim/org.js";
import type { GongSim } from "../../src/sim/server.js";
import { simContext } from "../helpers/context.js";
import { startSim } from "../helpers/gong.js";

/**
 * The digest's numbers against the simulator's own data, computed here independently of the audit:
 * the headline, the cost, the managers, and what changed after the simulator's users change.
 */
const DAYS = 30;
let sim: GongSim;
let ctx: GongContext & { lines: string[] };
let scheduleId: number;

beforeAll(async () => {
  sim = await startSim({ org: SimOrg.generate({ users: 90, seed: 23 }) });
  // The hosted rule: the truth below counts hosted calls.
  ctx = simContext(sim, {
    GONGOPS_SEAT_PRICE_PER_YEAR: "1200",
    GONGOPS_CURRENCY: "eur",
    GONGOPS_AUDIT_ACTIVITY: "hosted",
    // Where a request nobody up the line can decide goes (without one it is refused at filing).
    GONGOPS_APPROVALS_CHANNEL: "C0APPROVALS",
  });
  scheduleId = ctx.schedules.add({
    kind: "audit-digest",
    cron: "0 9 * * MON",
    timezone: "Europe/Berlin",
    channel: "C1",
    options: { days: DAYS },
    createdBy: "UADMIN",
  }).id;
});
afterAll(async () => {
  await ctx?.close();
  await sim?.close();
});

/** Inactive per the simulator: active, older than the look-back (the grace), no hosted call in it. */
function truth(digest: Digest): string[] {
  const to = Date.parse(ctx.repos.audits.get(digest.auditRunId)!.toAt);
  const from = to - DAYS * DAY_MS;
  return sim.org
    .users()
    .filter((u) => u.active && Date.parse(u.created) < from && sim.org.hostedBetween(u.id, from, to) === 0)
    .map((u) => u.id)
    .sort();
}
const ids = (list: readonly { id: string }[]) => list.map((p) => p.id).sort();
const activeCount = () => sim.org.users().filter((u) => u.active).length;
let seq = 0;
const build = () =>
  ctx.digests!.build({ days: DAYS, trigger: `schedule ${scheduleId}`, scheduleId, runKey: `k${++seq}` });

describe("the digest", () => {
  let first: Digest;
  const changed: Record<string, string> = {};

  it("headline, cost and managers match the simulator; the first digest has no 'since'", async () => {
    ({ digest: first } = await build());
    const inactive = truth(first);
    expect(inactive.length).toBeGreaterThan(3);
    expect(ids(first.inactive)).toEqual(inactive);
    expect(first.headline).toEqual({
      inactive: inactive.length,
      activeUsers: activeCount(),
      yearlyCost: { amount: inactive.length * 1200, currency: "EUR", perSeat: 1200 },
    });
    const byManager = new Map<string, number>();
    for (const id of inactive) {
      const m = sim.org.user(id)!.managerId;
      if (m) byManager.set(m, (byManager.get(m) ?? 0) + 1);
    }
    const most = Math.max(...byManager.values());
    expect(first.topManagers[0]!.inactiveReports).toBe(most);
    for (const m of first.topManagers) expect(m.inactiveReports).toBe(byManager.get(m.id));
    expect(first.since).toBeNull();
    expect(first.news).toBe(true);
    const text = renderDigest(first);
    expect(text).toContain(
      `${inactive.length} of ${activeCount()} active Gong users hosted no call in ${DAYS} days — €`,
    );
    expect(text).toContain("No earlier digest to compare with");
  });

  it("says what changed after the simulator's users change", async () => {
    const inactive = truth(first);
    const now = Date.now();
    // One inactive user hosts a call (back in use), another is deactivated in Gong, a long-standing user
    // with no calls joins (newly inactive), someone leaves, someone gets a new manager.
    changed.back = inactive[0]!;
    sim.org.addCall({ primaryUserId: changed.back, at: now - DAY_MS });
    changed.deactivated = inactive[1]!;
    sim.org.updateUser(changed.deactivated, { active: false });
    changed.joined = sim.org.addUser({
      firstName: "Nova",
      lastName: "<!channel> Idle",
      created: new Date(now - 400 * DAY_MS).toISOString(),
    }).id;
    const others = sim.org
      .users()
      .filter((u) => u.active && !inactive.includes(u.id) && u.id !== changed.joined);
    changed.left = others[0]!.id;
    sim.org.removeUser(changed.left);
    changed.moved = others[1]!.id;
    sim.org.updateUser(changed.moved, { managerId: others[2]!.id });
    await ctx.directory.sync!.run();
    // A deactivation request waiting for its approver shows as pending, with its age.
    const waiting = inactive.find((id) => id !== changed.back && id !== changed.deactivated)!;
    await ctx.approvals.request({
      who: [waiting],
      reason: "unused seat",
      actor: { slackUserId: null, label: "cli", isAdmin: true },
      source: "cli",
    });

    const { digest, record } = await build();
    const now2 = truth(digest);
    expect(ids(digest.inactive)).toEqual(now2);
    expect(digest.headline.inactive).toBe(now2.length);
    expect(digest.headline.activeUsers).toBe(activeCount());
    const s = digest.since!;
    expect(s.previousAt).toBe(first.generatedAt);
    expect(ids(s.newlyInactive)).toEqual(now2.filter((id) => !inactive.includes(id)).sort());
    expect(ids(s.newlyInactive)).toEqual([changed.joined]);
    expect(ids(s.backInUse)).toEqual([changed.back]);
    expect(ids(s.deactivated)).toEqual([changed.deactivated]);
    expect(ids(s.joined)).toEqual([changed.joined]);
    expect(ids(s.left)).toEqual([changed.left]);
    expect(s.managerChanged).toEqual([
      expect.objectContaining({ id: changed.moved, after: sim.org.user(changed.moved)!.managerId }),
    ]);
    expect(s.pendingApprovals).toEqual({ count: 1, oldestHours: 0 });
    expect(digest.news).toBe(true);
    // A retried run shows the same digest, not one compared with itself.
    expect(ctx.digests!.fromRecord(record!)).toEqual(digest);
    const text = renderDigest(digest);
    expect(text).toMatch(/newly inactive \(1\):\n {4}Nova <!channel> Idle/);
    expect(text).toMatch(/back in use \(1\)/);
  });

  it("with nothing new, is one short line", async () => {
    const { digest } = await build();
    expect(digest.news).toBe(false);
    expect(digest.since!.newlyInactive).toEqual([]);
    expect(renderDigest(digest)).toContain("No change since the last digest:");
  });

  it("reads Gong as it is now, not a snapshot synced minutes before, and says as of when", async () => {
    // A lookup synced the directory a moment ago (well inside the freshness window); then two users
    // are deactivated in Gong. The digest must count them out, not repeat the snapshot's numbers.
    await ctx.directory.sync!.run({ trigger: "lookup" });
    const gone = sim.org
      .users()
      .filter((u) => u.active)
      .slice(0, 2);
    for (const u of gone) sim.org.updateUser(u.id, { active: false });
    const { digest } = await build();
    expect(digest.headline.activeUsers).toBe(activeCount());
    expect(ids(digest.inactive)).toEqual(truth(digest));
    const syncedAt = digest.directorySyncedAt!;
    expect(Date.parse(syncedAt)).toBeGreaterThanOrEqual(
      Date.parse(ctx.repos.audits.get(digest.auditRunId)!.startedAt),
    );
    expect(renderDigest(digest)).toContain(
      `Gong's users as of ${syncedAt.slice(0, 16).replace("T", " ")} UTC`,
    );
  });
});
