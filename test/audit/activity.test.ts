import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { AuditService, Strategy } from "../../src/audit/audit.service.js";
import type { AuditReport } from "../../src/audit/report.js";
import { renderAudit } from "../../src/cli/commands/audit.js";
import { clockFrom } from "../../src/clock.js";
import type { AppContext } from "../../src/context.js";
import { addDays, lookBackWords, startOfZonedDay, zonedDate } from "../../src/gong/days.js";
import { DAY_MS } from "../../src/gong/windows.js";
import { SimOrg } from "../../src/sim/org.js";
import type { GongSim } from "../../src/sim/server.js";
import { auditSummaryBlocks } from "../../src/slack/blocks/audit.js";
import { ShiftableClock } from "../helpers/clock.js";
import { simContext } from "../helpers/context.js";
import { startSim } from "../helpers/gong.js";

/**
 * The "any" rule against the simulator, in a company on Los Angeles time, audited at a moment when the
 * date in UTC is already tomorrow there (03:30 UTC = 19:30 the day before in LA): a toDate computed in
 * UTC would be refused with a 400, so a run that succeeds never sent one.
 */
const TZ = "America/Los_Angeles";
const NOW = Date.parse("2026-11-27T03:30:00Z"); // 2026-11-26 19:30 in Los Angeles
const DAYS = 90;
const FROM = NOW - DAYS * DAY_MS; // 2026-08-29T03:30Z = 2026-08-28 20:30 PDT
const TODAY = zonedDate(NOW, TZ); // 2026-11-26
const FROM_DATE = addDays(TODAY, -DAYS); // 2026-08-28: today and the 90 whole days before it
const FIRST_DAY_START = startOfZonedDay(FROM_DATE, TZ);
const TODAY_START = startOfZonedDay(TODAY, TZ);

const U = {
  manager: "5000000000000000001", // hosts nothing, listens to 14 calls and fills 3 scorecards
  nothing: "5000000000000000002", // no activity of any kind
  host: "5000000000000000003", // hosted a call last week
  listenFirstDay: "5000000000000000004", // listened at the first instant of the first day: counts
  listenBefore: "5000000000000000005", // listened 1 ms before the first day: does not
  listenYesterday: "5000000000000000006", // listened at the last instant of yesterday: counts
  listenToday: "5000000000000000007", // listened today: not in the statistics yet
  hostToday: "5000000000000000008", // hosted a call at the first instant of today: counts under both
  hostAtFrom: "5000000000000000009", // hosted exactly at `from`: counts under both
  hostEarlyFirstDay: "5000000000000000010", // hosted 1 ms before `from`, same LA day: only "any" counts it
  hostAtNow: "5000000000000000011", // hosted exactly at `now` (exclusive): counts under neither
  gone: "5000000000000000012", // deactivated, listened a lot: not a candidate
};

function org(): SimOrg {
  const o = SimOrg.generate({ users: 150, seed: 5, now: new Date(NOW), timeZone: TZ, messy: false });
  const add = (id: string, extra: Partial<Parameters<SimOrg["addUser"]>[0]> = {}) =>
    o.addUser({
      id,
      firstName: "Edge",
      lastName: id.slice(-2),
      created: new Date(NOW - 900 * DAY_MS).toISOString(),
      ...extra,
    });
  add(U.manager, { title: "Sales Manager" });
  o.addActivity(U.manager, "othersCallsListenedTo", NOW - 10 * DAY_MS, 14);
  o.addActivity(U.manager, "callsScorecardsFilled", NOW - 9 * DAY_MS, 3);
  add(U.nothing);
  add(U.host);
  o.addCall({ primaryUserId: U.host, at: NOW - 7 * DAY_MS });
  add(U.listenFirstDay);
  o.addActivity(U.listenFirstDay, "othersCallsListenedTo", FIRST_DAY_START);
  add(U.listenBefore);
  o.addActivity(U.listenBefore, "othersCallsListenedTo", FIRST_DAY_START - 1);
  add(U.listenYesterday);
  o.addActivity(U.listenYesterday, "othersCallsListenedTo", TODAY_START - 1);
  add(U.listenToday);
  o.addActivity(U.listenToday, "othersCallsListenedTo", TODAY_START);
  add(U.hostToday);
  o.addCall({ primaryUserId: U.hostToday, at: TODAY_START });
  add(U.hostAtFrom);
  o.addCall({ primaryUserId: U.hostAtFrom, at: FROM });
  add(U.hostEarlyFirstDay);
  o.addCall({ primaryUserId: U.hostEarlyFirstDay, at: FROM - 1 });
  add(U.hostAtNow);
  o.addCall({ primaryUserId: U.hostAtNow, at: NOW });
  add(U.gone, { active: false });
  o.addActivity(U.gone, "othersCallsListenedTo", NOW - 3 * DAY_MS, 50);
  return o;
}

let sim: GongSim;
let ctx: AppContext;
const dirs: string[] = [];
afterEach(async () => {
  await ctx?.close();
  await sim?.close();
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

async function setup(env: Record<string, string> = {}, simOptions: Parameters<typeof startSim>[0] = {}) {
  sim = await startSim({ org: org(), clock: () => NOW, ...simOptions });
  ctx = simContext(sim, { GONG_MAX_CONCURRENT: "3", ...env }, pinnedNow());
}

const ids = (r: AuditReport) => r.inactive.map((u) => u.id).sort();

let clock: ShiftableClock;
/** A context's clock at NOW, kept here so that each audit can start exactly there. */
function pinnedNow() {
  clock = new ShiftableClock(NOW);
  return { clock };
}

/** Each audit starts exactly at NOW: the boundaries under test are to the millisecond. */
function startAtNow(options: Parameters<AuditService["start"]>[0]) {
  clock.jumpTo(NOW);
  return ctx.audit!.start(options);
}

/** The "any" truth from the simulator's own data: nothing on the statistics' days, no call hosted today. */
function truthAny(exempt: Set<string>): string[] {
  return sim.org
    .users()
    .filter((u) => u.active && !exempt.has(u.id))
    .filter((u) => Object.keys(sim.org.activityBetween(u.id, FIRST_DAY_START, TODAY_START)).length === 0)
    .filter((u) => sim.org.hostedBetween(u.id, TODAY_START, NOW) === 0)
    .map((u) => u.id)
    .sort();
}

describe("the any rule", () => {
  it("a manager who only listens and scores is inactive under hosted and active under any; each boundary holds", async () => {
    await setup();
    const hosted = await startAtNow({ days: DAYS, activity: "hosted", strategy: "per-user" });
    const any = await startAtNow({ days: DAYS, activity: "any" });
    expect(hosted.rule).toBe("hosted");
    expect(any.rule).toBe("any");
    expect(any.status).toBe("succeeded");
    // Never a toDate of tomorrow (UTC's date): the simulator would have answered 400.
    expect(sim.stats.byStatus["400"]).toBeUndefined();
    expect(any.fromDate).toBe(FROM_DATE);
    expect(any.toDate).toBe(TODAY);
    expect(any.timeZone).toBe(TZ);
    expect(any.days).toContain(`whole days ${FROM_DATE} to 2026-11-25 in ${TZ}`);

    const h = new Set(ids(hosted));
    const a = new Set(ids(any));
    expect(h.has(U.manager)).toBe(true);
    expect(a.has(U.manager)).toBe(false);
    expect(h.has(U.nothing) && a.has(U.nothing)).toBe(true);
    expect(h.has(U.host) || a.has(U.host)).toBe(false);
    // Day edges of the statistics, in LA time.
    expect(a.has(U.listenFirstDay)).toBe(false);
    expect(a.has(U.listenBefore)).toBe(true);
    expect(a.has(U.listenYesterday)).toBe(false);
    expect(a.has(U.listenToday)).toBe(true); // today is not in Gong's statistics yet (documented)
    // Instant edges of calls: consistent between the rules.
    expect(h.has(U.hostToday) || a.has(U.hostToday)).toBe(false);
    expect(h.has(U.hostAtFrom) || a.has(U.hostAtFrom)).toBe(false);
    expect(h.has(U.hostAtNow) && a.has(U.hostAtNow)).toBe(true);
    expect(h.has(U.hostEarlyFirstDay)).toBe(true);
    expect(a.has(U.hostEarlyFirstDay)).toBe(false); // the whole first day counts under "any"
    expect(a.has(U.gone) || h.has(U.gone)).toBe(false);
    // Whoever hosted a call counted by "hosted" is active under "any" too.
    for (const id of a) expect(h.has(id)).toBe(true);
    expect(ids(any)).toEqual(truthAny(new Set(any.exempt.map((e) => e.id))));

    // Why the manager was kept, in words; counts and the last hosted call for those flagged.
    const kept = any.activeOtherThanHosting.find((u) => u.id === U.manager)!;
    expect(kept.reason).toBe("listened to 14 calls, filled 3 scorecards");
    expect(any.inactive.find((u) => u.id === U.nothing)).toMatchObject({
      activity: {},
      lastHostedCall: null,
    });
    expect(any.inactive.find((u) => u.id === U.hostEarlyFirstDay)).toBeUndefined();
    expect(hosted.inactive.find((u) => u.id === U.manager)?.activity).toBeNull();
  });

  it("the user card and an audit at the same instant state the same first and last day, and count today alike", async () => {
    await setup();
    const any = await startAtNow({ days: DAYS, activity: "any" });
    clock.jumpTo(NOW);
    const stated = `${FROM_DATE} to ${TODAY} (${TZ})`;
    expect(lookBackWords(any.lookBack)).toBe(stated);
    // The card, in Slack and in the terminal (both print this line).
    expect(await ctx.audit!.userActivityLine(U.nothing)).toBe(`last ${DAYS} days, ${stated}: no activity`);
    // Today is in both: the audit keeps whoever hosted a call today, and the card says so.
    expect(ids(any)).not.toContain(U.hostToday);
    expect(await ctx.audit!.userActivityLine(U.hostToday)).toBe(
      `last ${DAYS} days, ${stated}: hosted 1 call today`,
    );
    expect(renderAudit(any)).toContain(`in the ${DAYS}-day look-back, ${stated}.`);
    expect(JSON.stringify(auditSummaryBlocks(any, 0, new Map()))).toContain(
      `in the ${DAYS}-day look-back, ${stated} (rule: any)`,
    );
  });

  it("every strategy gives the same inactive set, and auto spends no more than the cheaper", async () => {
    await setup();
    const runs = new Map<Strategy, AuditReport>();
    for (const strategy of ["per-user", "bulk", "auto"] as Strategy[])
      runs.set(strategy, await startAtNow({ days: DAYS, activity: "any", strategy }));
    const per = runs.get("per-user")!;
    const bulk = runs.get("bulk")!;
    const auto = runs.get("auto")!;
    expect(ids(bulk)).toEqual(ids(per));
    expect(ids(auto)).toEqual(ids(per));
    expect(per.summary.strategy).toMatch(/^activity per-user/);
    expect(bulk.summary.strategy).toMatch(/^activity bulk/);
    expect(auto.summary.apiRequests).toBeLessThanOrEqual(
      Math.min(per.summary.apiRequests, bulk.summary.apiRequests) + 1,
    );
  });

  it("with no candidates (all in the grace period) asks the statistics nothing beyond the time zone", async () => {
    await setup({ GONGOPS_AUDIT_GRACE_DAYS: "100000" });
    const r = await startAtNow({ days: DAYS, activity: "any" });
    expect(r.status).toBe("succeeded");
    expect(r.summary.candidates).toBe(0);
    expect(sim.stats.byEndpoint["POST /v2/stats/activity/aggregate"]).toBe(1);
  });

  it("a 403 on the statistics stops an any audit naming the scope; a hosted audit does not need it", async () => {
    await setup();
    sim.addFault({
      endpoint: "POST /v2/stats/activity/aggregate",
      fault: { kind: "status", status: 403, errors: ["Forbidden"] },
      times: 100,
    });
    await expect(startAtNow({ days: DAYS, activity: "any" })).rejects.toThrow(/api:stats:user-actions/);
    const hosted = await startAtNow({ days: DAYS, activity: "hosted" });
    expect(hosted.status).toBe("succeeded");
  });

  it("a listing that ends short of its totalRecords clears nobody", async () => {
    await setup({}, { pageSize: 20 });
    // An early "No ... found" on page two: the listing stops short of what page one announced.
    sim.addFault({
      endpoint: "POST /v2/stats/activity/aggregate",
      withCursor: true,
      fault: {
        kind: "status",
        status: 404,
        errors: ["No activity found corresponding to the provided filters"],
      },
      times: 100,
    });
    // A short listing is something a later try can get past: the run pauses, and clears nobody.
    const paused = await startAtNow({ days: DAYS, activity: "any", strategy: "bulk" });
    expect(paused.status).toBe("paused");
    expect(paused.error).toMatch(/ended after \d+ of the \d+ records/);
    const run = ctx.repos.audits.latest()!;
    expect(run.pauseKind).toBe("transient");
    expect(
      ctx.repos.audits.subjects(run.id, "candidate").filter((s) => s.activityChecked && !s.activitySeen),
    ).toEqual([]);
  });

  it("a run paused on a spent quota resumes to the same answer, asking only about users not answered for", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gongops-activity-"));
    dirs.push(dir);
    const db = { GONGOPS_DB_PATH: join(dir, "g.db") };
    await setup();
    const clean = ids(await startAtNow({ days: DAYS, activity: "any", strategy: "per-user" }));
    await ctx.close();
    // Sync (2 pages) + the time zone (1) + one batch of the statistics, then the budget is spent.
    ctx = simContext(sim, { ...db, GONG_DAILY_QUOTA: "4" }, pinnedNow());
    const paused = await startAtNow({ days: DAYS, activity: "any", strategy: "per-user" });
    expect(paused.status).toBe("paused");
    expect(paused.inactive).toEqual([]);
    const run = ctx.repos.audits.get(paused.runId)!;
    const answered = ctx.repos.audits.subjects(run.id, "candidate").filter((s) => s.activityChecked).length;
    expect(answered).toBeGreaterThan(0);
    await ctx.close();
    ctx = simContext(sim, { ...db, GONG_DAILY_QUOTA: "100000" }, { clock: clockFrom(NOW + DAY_MS) });
    sim.stats.reset();
    const done = await ctx.audit!.resume(paused.runId);
    expect(done.status).toBe("succeeded");
    expect(ids(done)).toEqual(clean);
    // The resumed run keeps its own days, and does not ask again about the batch already answered.
    expect(done.toDate).toBe(TODAY);
    const batches = Math.ceil((run.candidates - answered) / 100);
    expect(sim.stats.byEndpoint["POST /v2/stats/activity/aggregate"]).toBe(batches);
  });
});
