import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppContext } from "../../src/context.js";
import { JobWorker } from "../../src/jobs/index.js";
import { ScheduleRunner } from "../../src/schedules/runner.js";
import { SchedulesService } from "../../src/schedules/schedules.service.js";
import { SimOrg } from "../../src/sim/org.js";
import type { GongSim } from "../../src/sim/server.js";
import { simContext } from "../helpers/context.js";
import { startSim } from "../helpers/gong.js";
import { until } from "../helpers/process.js";
import { VirtualClock } from "../jobs/helpers.js";
import { RecordingOutput } from "./helpers.js";

/**
 * Schedules on the job queue, with the tick on a virtual clock and the runs against the simulator: the
 * instant a slot fires across a DST change, one delayed catch-up after downtime (none when too late),
 * and one digest when two processes share the database.
 */
const H = 3_600_000;
let sim: GongSim;
let dir: string;

beforeAll(async () => {
  sim = await startSim({ org: SimOrg.generate({ users: 60, seed: 11 }) });
  dir = mkdtempSync(join(tmpdir(), "gongops-schedules-"));
});
afterAll(async () => {
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

function setup(ctx: AppContext, clock: VirtualClock, output = new RecordingOutput()) {
  const runner = new ScheduleRunner({
    schedules: ctx.repos.schedules,
    jobs: ctx.repos.jobs,
    sync: ctx.directory.sync,
    digests: ctx.digests,
    output,
    log: ctx.log,
    maxLateMs: 12 * H,
    defaultDays: 90,
    clock,
  });
  const service = new SchedulesService(ctx.repos.schedules, { clock });
  return { runner, service, output };
}

/** A worker on real time (the runs do real HTTP to the simulator), polling fast. */
function worker(ctx: AppContext, runner: ScheduleRunner, owner: string) {
  return new JobWorker({
    repo: ctx.repos.jobs,
    jobs: [runner.job],
    log: ctx.log,
    clock: ctx.clock,
    owner,
    pollMs: 20,
  });
}

const scheduleJobs = (ctx: AppContext) =>
  ctx.repos.jobs.list({ limit: 1000 }).filter((j) => j.kind === "schedule-run");

describe("the tick", () => {
  it("fires a 09:00 Europe/Berlin schedule at 08:00 UTC, then at 07:00 UTC once summer time starts", async () => {
    const ctx = simContext(sim);
    const clock = new VirtualClock(Date.parse("2026-03-27T12:00:00Z"));
    const { runner, service } = setup(ctx, clock);
    service.add({
      kind: "sync",
      cron: "0 9 * * *",
      timezone: "Europe/Berlin",
      channel: null,
      options: {},
      createdBy: "cli",
    });
    // Ticks at each slot (and every 6 h for schedules added elsewhere).
    runner.start(6 * H);
    // Two days pass; the tick's timers fire at their instants on the virtual clock.
    await clock.advance(Date.parse("2026-03-29T12:00:00Z") - clock.now());
    runner.stop();
    // Each job was enqueued (createdAt, on the tick's clock) and due exactly at its slot.
    expect(
      scheduleJobs(ctx)
        .reverse()
        .map((j) => [j.idempotencyKey, j.createdAt.toISOString(), j.runAt.toISOString()]),
    ).toEqual([
      ["schedule:1:2026-03-28T08:00:00.000Z", "2026-03-28T08:00:00.000Z", "2026-03-28T08:00:00.000Z"],
      ["schedule:1:2026-03-29T07:00:00.000Z", "2026-03-29T07:00:00.000Z", "2026-03-29T07:00:00.000Z"],
    ]);
    expect(scheduleJobs(ctx).every((j) => (j.payload as { delayed: boolean }).delayed === false)).toBe(true);
    await ctx.close();
  });

  it("after three days down makes exactly one run, marked delayed, and none when later than the limit", async () => {
    const ctx = simContext(sim);
    await ctx.directory.sync!.run();
    const clock = new VirtualClock(Date.parse("2026-03-02T07:30:00Z"));
    const first = setup(ctx, clock);
    const s = first.service.add({
      kind: "audit-digest",
      cron: "0 9 * * *",
      timezone: "Europe/Berlin",
      channel: "C1",
      options: { days: 30 },
      createdBy: "UADMIN",
    });
    first.runner.start(60_000);
    const w1 = worker(ctx, first.runner, "p1");
    w1.start();
    await clock.advance(H); // 08:00 UTC = 09:00 CET
    await until(() => first.output.digests.length === 1);
    expect(first.output.digests[0]!.note).toEqual({
      dueAt: new Date("2026-03-02T08:00:00Z"),
      delayed: false,
    });
    // The process stops; it comes back three days later, at 10:30 UTC.
    first.runner.stop();
    await w1.stop();
    const back = new VirtualClock(Date.parse("2026-03-05T10:30:00Z"));
    const second = setup(ctx, back);
    second.runner.start(60_000);
    const w2 = worker(ctx, second.runner, "p2");
    w2.start();
    await until(() => second.output.digests.length === 1);
    for (let i = 0; i < 30; i++) await back.advance(60_000);
    await w2.idle();
    expect(second.output.digests).toHaveLength(1);
    expect(second.output.digests[0]!.note).toEqual({
      dueAt: new Date("2026-03-05T08:00:00Z"),
      delayed: true,
    });
    expect(scheduleJobs(ctx).map((j) => j.idempotencyKey)).toEqual([
      `schedule:${s.id}:2026-03-05T08:00:00.000Z`,
      `schedule:${s.id}:2026-03-02T08:00:00.000Z`,
    ]);
    expect(ctx.repos.schedules.get(s.id)!.lastResult).toMatch(/delayed, was due at Thu 2026-03-05 09:00 CET/);
    second.runner.stop();
    await w2.stop();
    // Down again, back at 21:00 UTC: the 08:00 slot is 13 h late, later than the 12 h limit.
    const late = new VirtualClock(Date.parse("2026-03-06T21:00:00Z"));
    const third = setup(ctx, late);
    third.runner.tick();
    expect(scheduleJobs(ctx)).toHaveLength(2);
    expect(ctx.repos.schedules.get(s.id)!.lastResult).toMatch(
      /skipped: the run due at 2026-03-06T08:00:00.000Z was more than 12 h late/,
    );
    // The next slot runs as usual.
    await late.advance(11 * H);
    expect(third.runner.tick()).not.toBeNull();
    expect(scheduleJobs(ctx).map((j) => j.idempotencyKey)[0]).toBe(
      `schedule:${s.id}:2026-03-07T08:00:00.000Z`,
    );
    await ctx.close();
  });

  it("two processes on one database, ticking at the same slot, make one digest", async () => {
    const env = { GONGOPS_DB_PATH: join(dir, "two.db") };
    const a = simContext(sim, env);
    const b = simContext(sim, env);
    await a.directory.sync!.run();
    const clockA = new VirtualClock(Date.parse("2026-04-06T06:00:00Z"));
    const clockB = new VirtualClock(Date.parse("2026-04-06T06:00:00Z"));
    const pa = setup(a, clockA);
    const pb = setup(b, clockB);
    pa.service.add({
      kind: "audit-digest",
      cron: "0 9 * * MON",
      timezone: "Europe/Berlin",
      channel: "C2",
      options: { days: 30 },
      createdBy: "cli",
    });
    pa.runner.start(60_000);
    pb.runner.start(60_000);
    const wa = worker(a, pa.runner, "pa");
    const wb = worker(b, pb.runner, "pb");
    wa.start();
    wb.start();
    await Promise.all([clockA.advance(H), clockB.advance(H)]);
    await until(() => pa.output.digests.length + pb.output.digests.length >= 1);
    await new Promise((r) => setTimeout(r, 300));
    await Promise.all([wa.idle(), wb.idle()]);
    expect(pa.output.digests.length + pb.output.digests.length).toBe(1);
    expect(scheduleJobs(a)).toHaveLength(1);
    expect(scheduleJobs(a)[0]).toMatchObject({
      status: "succeeded",
      idempotencyKey: "schedule:1:2026-04-06T07:00:00.000Z",
    });
    pa.runner.stop();
    pb.runner.stop();
    await Promise.all([wa.stop(), wb.stop()]);
    await a.close();
    await b.close();
  });
  let sharedAttempt = 0;
  it("three schedules due in the same minute, with the same look-back, share one audit run", async () => {
    // Its own database each attempt (vitest.config.ts retries once): a retry sees only its own schedules.
    const ctx = simContext(sim, { GONGOPS_DB_PATH: join(dir, `shared-${++sharedAttempt}.db`) });
    await ctx.directory.sync!.run();
    const clock = new VirtualClock(Date.parse("2026-04-06T06:00:00Z"));
    const p = setup(ctx, clock);
    for (const channel of ["C1", "C2", "C3"])
      p.service.add({
        kind: "audit-digest",
        cron: "0 9 * * MON",
        timezone: "Europe/Berlin",
        channel,
        options: { days: 30 },
        createdBy: "cli",
      });
    // A fourth with another look-back needs its own run.
    p.service.add({
      kind: "audit-digest",
      cron: "0 9 * * MON",
      timezone: "Europe/Berlin",
      channel: "C4",
      options: { days: 60 },
      createdBy: "cli",
    });
    p.runner.start(60_000);
    const w = worker(ctx, p.runner, "shared");
    w.start();
    try {
      await clock.advance(H);
      await until(() => p.output.digests.length >= 4, 60_000);
      await w.idle();
      const runs = ctx.repos.audits.history(10);
      expect(runs.map((r) => r.lookbackDays).sort()).toEqual([30, 60]);
      const byChannel = new Map(p.output.digests.map((d) => [d.schedule.channel, d.digest.auditRunId]));
      expect(new Set([byChannel.get("C1"), byChannel.get("C2"), byChannel.get("C3")]).size).toBe(1);
      expect(byChannel.get("C4")).not.toBe(byChannel.get("C1"));
    } finally {
      // The worker polls; the process goes on to other files (isolate: false), so it stops here.
      p.runner.stop();
      await w.stop();
      await ctx.close();
    }
  }, 60_000);
});
