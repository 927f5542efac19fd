import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../src/clock.js";
import type { GongContext } from "../../src/context.js";
import { renderDigest } from "../../src/digest/render.js";
import { SimOrg } from "../../src/sim/org.js";
import type { GongSim } from "../../src/sim/server.js";
import type { SubjectState } from "../../src/store/schema.js";
import type { TrendPointRow } from "../../src/store/trend.repo.js";
import { TREND_DAYS, TrendService } from "../../src/trend/trend.service.js";
import { simContext } from "../helpers/context.js";
import { startSim } from "../helpers/gong.js";

/**
 * The trend's history against the simulator, on a pinned clock that starts on a leap day: every audit
 * keeps its figures, reclaimed seats follow the approvals trail (net of an undo, never a dry run), the
 * chart draws each day's last audit, exactly the stored rows, and a run that finished without a point
 * is picked up on the next read.
 */
const DAY = 86_400_000;
const H = 3_600_000;
const START = Date.UTC(2028, 1, 29, 9); // Tuesday 2028-02-29 09:00 UTC
const PRICE = 1000;
// The pinned "now" flows from where the test sets it (Gong's per-second window needs time to pass).
let t = START;
let setAt = performance.now();
const setTime = (ms: number) => {
  t = ms;
  setAt = performance.now();
};
const clock = { ...systemClock, now: () => t + (performance.now() - setAt) };
let sim: GongSim;
let ctx: GongContext & { lines: string[] };

beforeAll(async () => {
  sim = await startSim({
    org: SimOrg.generate({ users: 90, seed: 29, now: new Date(START) }),
    clock: () => t,
  });
  ctx = simContext(
    sim,
    { GONGOPS_SEAT_PRICE_PER_YEAR: String(PRICE), GONGOPS_AUDIT_ACTIVITY: "hosted" },
    { clock },
  );
  await ctx.directory.sync!.run({ trigger: "test" });
});
afterAll(async () => {
  await ctx?.close();
  await sim?.close();
});

const activeInSim = () => sim.org.users().filter((u) => u.active).length;

/** An audit at `at`, with the figures the simulator gives for that moment. */
async function auditAt(at: number, trigger: string) {
  setTime(at);
  await ctx.directory.sync!.run({ trigger: "test" });
  const report = await ctx.audit.start({ days: 30, trigger });
  expect(report.status).toBe("succeeded");
  return { runId: report.runId, inactive: report.inactive.map((u) => u.id), active: activeInSim() };
}

/** A deactivation through the approvals trail, as the executor records it (`via` the state before done). */
function deactivate(userIds: string[], at: number, options: { dryRun?: boolean; via?: SubjectState } = {}) {
  const repo = ctx.repos.approvals;
  const now = new Date(at);
  const { subjects } = repo.tx((tx) =>
    repo.createRequest(
      tx,
      {
        source: "cli",
        requestedBy: "cli (test)",
        reason: "unused seat",
        dryRun: options.dryRun ?? false,
        activitySince: now.toISOString(),
        createdAt: now.toISOString(),
      },
      userIds.map((id) => ({
        userId: id,
        name: id,
        approverKind: "channel",
        approverReason: "test",
      })),
      "cli (test)",
    ),
  );
  const path: SubjectState[] = options.dryRun
    ? ["approved", "done"]
    : ["approved", options.via ?? "executing", "done"];
  for (const s of subjects) {
    let from: SubjectState = "pending";
    for (const to of path) {
      repo.tx((tx) => repo.transition(tx, { subjectId: s.id, from: [from], to, actor: "test", now }));
      from = to;
    }
    if (!options.dryRun) sim.org.updateUser(s.userId, { active: false });
  }
  return subjects;
}

describe("the trend", () => {
  const runs: Awaited<ReturnType<typeof auditAt>>[] = [];
  let reactivated: string;

  it("keeps every finished audit's figures, with the seats reclaimed so far, net of an undo", async () => {
    runs.push(await auditAt(START, "cli"));
    runs.push(await auditAt(START + 6 * H, "schedule 1"));
    const gone = runs[1]!.inactive.slice(0, 2);
    expect(gone).toHaveLength(2);
    const [first] = deactivate(gone, START + 7 * H);
    deactivate([runs[1]!.inactive[2]!], START + 7 * H, { dryRun: true });
    runs.push(await auditAt(START + DAY, "schedule 1"));
    setTime(START + DAY + 2 * H);
    ctx.repos.approvals.tx((tx) =>
      ctx.repos.approvals.transition(tx, {
        subjectId: first!.id,
        from: ["done"],
        to: "reactivated",
        actor: "test",
        now: new Date(t),
      }),
    );
    reactivated = first!.userId;
    sim.org.updateUser(reactivated, { active: true });
    runs.push(await auditAt(START + 2 * DAY, "cli digest"));

    const rows = ctx.trend.history(180);
    expect(rows.map((r) => r.auditRunId)).toEqual(runs.map((r) => r.runId));
    expect(rows.map((r) => r.day)).toEqual(["2028-02-29", "2028-02-29", "2028-03-01", "2028-03-02"]);
    const reclaimed = [0, 0, 2, 1];
    rows.forEach((r, i) => {
      expect(r).toMatchObject({
        trigger: ["cli", "schedule 1", "schedule 1", "cli digest"][i],
        lookbackDays: 30,
        rule: "hosted",
        inactive: runs[i]!.inactive.length,
        activeUsers: runs[i]!.active,
        seatPrice: PRICE,
        currency: "USD",
        yearlyCost: runs[i]!.inactive.length * PRICE,
        reclaimedSeats: reclaimed[i],
        reclaimedCost: reclaimed[i]! * PRICE,
        leavers: null,
      });
    });
    // The two deactivated users left the active count; the one put back returned to it.
    expect(runs[2]!.active).toBe(runs[1]!.active - 2);
    expect(runs[3]!.active).toBe(runs[1]!.active - 1);
    expect(ctx.trend.reclaimed()).toEqual({ seats: 1, cost: PRICE, currency: "USD" });
  });

  it("`--json` lists each run in the documented shape", () => {
    const points = ctx.trend.history(180).map(TrendService.point);
    expect(points).toHaveLength(4);
    expect(Object.keys(points[0]!).sort()).toEqual(
      ["active", "cost", "day", "inactive", "reclaimedCost", "reclaimedSeats"].sort(),
    );
    expect(points[2]).toEqual({
      day: "2028-03-01",
      inactive: runs[2]!.inactive.length,
      active: runs[2]!.active,
      cost: runs[2]!.inactive.length * PRICE,
      reclaimedSeats: 2,
      reclaimedCost: 2 * PRICE,
    });
  });

  it("the chart draws each day's last audit, exactly the stored rows, and decodes at 1600 × 800", async () => {
    // The stored history, read straight from SQLite: the last run of each day.
    const stored = ctx.db.$client
      .prepare(
        `SELECT day, inactive, active_users AS active, yearly_cost AS cost FROM trend_points p
         WHERE at = (SELECT max(at) FROM trend_points q WHERE q.day = p.day) ORDER BY day`,
      )
      .all() as { day: string; inactive: number; active: number; cost: number | null }[];
    expect(stored).toHaveLength(3);
    const chart = await ctx.trend.chart(180);
    expect(chart.data.points).toEqual(stored);
    expect(chart.data.weeks).toEqual([{ week: "2028-02-28", deactivated: 2 }]);
    expect(chart.data.reclaimed).toEqual({ seats: 1, cost: PRICE, currency: "USD" });
    const image = PNG.sync.read(chart.png);
    expect([image.width, image.height]).toEqual([1600, 800]);
    expect(chart.altText).toContain(
      `from 2028-02-29 to 2028-03-02: ${runs[1]!.inactive.length} to ${runs[3]!.inactive.length}`,
    );
    expect(ctx.trend.sparkline(180)).toMatch(
      new RegExp(
        `^[▁▂▃▄▅▆▇█]{3} ${runs[1]!.inactive.length} → ${runs[3]!.inactive.length} inactive since 2028-02-29$`,
      ),
    );
  });

  it("--days keeps to the look-back; a run that finished without a point is picked up on the next read", () => {
    expect(ctx.trend.history(1).map((r) => r.day)).toEqual(["2028-03-02"]);
    expect(ctx.trend.history(2).map((r) => r.day)).toEqual(["2028-03-01", "2028-03-02"]);
    const before = ctx.trend.history(180).find((r) => r.auditRunId === runs[2]!.runId)!;
    ctx.db.$client.prepare("DELETE FROM trend_points WHERE audit_run_id = ?").run(runs[2]!.runId);
    expect(ctx.repos.trend.since("2000-01-01").map((r: TrendPointRow) => r.auditRunId)).not.toContain(
      runs[2]!.runId,
    );
    const again = ctx.trend.history(180).find((r) => r.auditRunId === runs[2]!.runId)!;
    expect({ ...again, id: 0 }).toEqual({ ...before, id: 0 });
  });

  it("a digest's audit is a point too, and the terminal's digest shows the sparkline under its headline", async () => {
    setTime(START + 2 * DAY + 3 * H);
    const { digest } = await ctx.digests!.build({ days: 30, trigger: "cli digest", scheduleId: null });
    expect(ctx.repos.trend.latest()!.auditRunId).toBe(digest.auditRunId);
    const lines = renderDigest(digest, ctx.trend.sparkline(TREND_DAYS)).split("\n");
    expect(lines[0]).toMatch(/^\d+ of \d+ active Gong users hosted no call in 30 days/);
    expect(lines[2]).toBe(`  Trend: ${ctx.trend.sparkline(TREND_DAYS)} (gongops trend)`);
    expect(lines[2]).toMatch(/Trend: [▁▂▃▄▅▆▇█]{3} \d+ → \d+ inactive since 2028-02-29/);
  });
});
