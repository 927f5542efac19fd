import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { backoffDelay } from "../../src/jobs/backoff.js";
import { defineJob, type JobContext, type JobDefinition } from "../../src/jobs/define.js";
import { enqueueJob } from "../../src/jobs/enqueue.js";
import { RetryAfterError } from "../../src/jobs/errors.js";
import { JobWorker, type JobWorkerOptions } from "../../src/jobs/worker.js";
import { type Db, openDatabase } from "../../src/store/db.js";
import { JobsRepo } from "../../src/store/jobs.repo.js";
import { captureLog } from "../helpers/log.js";
import { deferred, settle, VirtualClock } from "./helpers.js";

const T0 = Date.parse("2026-03-01T09:00:00Z");
let db: Db;
let repo: JobsRepo;
let clock: VirtualClock;
let lines: string[];
let workers: JobWorker[];

beforeEach(() => {
  db = openDatabase(":memory:");
  repo = new JobsRepo(db);
  clock = new VirtualClock(T0);
  lines = captureLog().lines;
  workers = [];
});
afterEach(async () => {
  for (const w of workers) {
    const stopping = w.stop();
    await clock.advance(60_000);
    await stopping;
  }
});

function worker(jobs: JobDefinition[], options: Partial<JobWorkerOptions> = {}): JobWorker {
  const captured = captureLog();
  lines = captured.lines;
  const w = new JobWorker({
    repo,
    jobs,
    clock,
    log: captured.log,
    owner: "w1",
    pollMs: 1_000,
    leaseMs: 30_000,
    backoff: { baseMs: 1_000, maxMs: 3_000 },
    random: () => 1,
    ...options,
  });
  workers.push(w);
  return w;
}

/** A kind whose handler records when it ran and does what `behave` says. */
function recorder(behave: (n: number, ctx: JobContext) => Promise<void>, maxAttempts?: number) {
  const runs: { at: number; attempt: number; n: number }[] = [];
  const job = defineJob({
    kind: "rec",
    payload: z.object({ n: z.number().int() }),
    maxAttempts,
    run: async ({ n }, ctx) => {
      runs.push({ at: clock.now() - T0, attempt: ctx.attempt, n });
      await behave(n, ctx);
    },
  });
  return { job, runs };
}

describe("JobWorker", () => {
  it("runs a due job once and records it succeeded", async () => {
    const { job, runs } = recorder(async () => {});
    const { job: row } = enqueueJob(repo, job, { n: 7 }, { now: new Date(T0) });
    const w = worker([job]);
    w.start();
    await w.idle();
    await clock.advance(10_000);
    expect(runs).toEqual([{ at: 0, attempt: 1, n: 7 }]);
    expect(repo.get(row.id)).toMatchObject({ status: "succeeded", attempts: 1, leaseOwner: null });
  });

  it("validates payloads at enqueue and again at claim", async () => {
    const { job, runs } = recorder(async () => {});
    expect(() => enqueueJob(repo, job, { n: 1.5 }, { now: new Date(T0) })).toThrow(z.ZodError);
    expect(repo.list()).toEqual([]);
    // A row the current schema refuses (written by another version, say) is dead at once, never run.
    const bad = repo.enqueue(
      { kind: "rec", payload: { n: "x" }, runAt: new Date(T0), maxAttempts: 5 },
      new Date(T0),
    );
    const w = worker([job]);
    w.start();
    await w.idle();
    expect(runs).toEqual([]);
    expect(repo.get(bad.job.id)).toMatchObject({
      status: "dead",
      lastError: expect.stringMatching(/payload invalid.*n/s),
    });
  });

  it("retries with exponential back-off and moves a job that keeps failing to dead, visibly", async () => {
    const { job, runs } = recorder(async () => {
      throw new Error("Gong said no");
    }, 4);
    const { job: row } = enqueueJob(repo, job, { n: 1 }, { now: new Date(T0) });
    const dead: number[] = [];
    const w = worker([job], { onDead: (j) => dead.push(j.id) });
    w.start();
    await clock.advance(999);
    expect(runs.map((r) => r.at)).toEqual([0]);
    expect(repo.get(row.id)).toMatchObject({ status: "retrying", attempts: 1, lastError: "Gong said no" });
    expect(repo.get(row.id)!.runAt.getTime()).toBe(T0 + 1_000);
    await clock.advance(60_000);
    // 1 s, 2 s, then capped at 3 s; polled once a second, so each retry starts on a poll.
    expect(runs.map((r) => [r.at, r.attempt])).toEqual([
      [0, 1],
      [1_000, 2],
      [3_000, 3],
      [6_000, 4],
    ]);
    expect(repo.get(row.id)).toMatchObject({ status: "dead", attempts: 4, lastError: "Gong said no" });
    expect(dead).toEqual([row.id]);
    expect(
      lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .some(
          (l) =>
            l.level === "error" && /job is dead/.test(String(l.msg)) && l.kind === "rec" && l.attempts === 4,
        ),
    ).toBe(true);
    expect(repo.list({ statuses: ["dead"] }).map((j) => j.id)).toEqual([row.id]);
  });

  it("honours RetryAfterError (a delay or an instant) without spending an attempt", async () => {
    let calls = 0;
    const { job, runs } = recorder(async () => {
      calls++;
      if (calls <= 2) throw new RetryAfterError(30_000, "Slack 429");
      if (calls === 3) throw new RetryAfterError(new Date(T0 + 100_000));
    }, 1);
    const { job: row } = enqueueJob(repo, job, { n: 1 }, { now: new Date(T0) });
    const w = worker([job]);
    w.start();
    await clock.advance(29_000);
    expect(repo.get(row.id)).toMatchObject({
      status: "retrying",
      attempts: 0,
      lastError: "waiting: Slack 429",
    });
    await clock.advance(200_000);
    // With one attempt allowed, any spent attempt would have made it dead at the first 429.
    expect(runs.map((r) => [r.at, r.attempt])).toEqual([
      [0, 1],
      [30_000, 1],
      [60_000, 1],
      [100_000, 1],
    ]);
    expect(repo.get(row.id)).toMatchObject({ status: "succeeded", attempts: 1 });
  });

  it("renews its lease while a handler works past the lease, and stops a handler whose lease is lost", async () => {
    const gate = deferred();
    let signal: AbortSignal | undefined;
    const { job } = recorder(async (_n, ctx) => {
      signal = ctx.signal;
      await gate.promise;
    });
    const { job: row } = enqueueJob(repo, job, { n: 1 }, { now: new Date(T0) });
    worker([job], { leaseMs: 3_000 }).start();
    await clock.advance(20_000);
    const steal = () =>
      repo.claim({ owner: "w2", token: "w2:1", kinds: ["rec"], now: new Date(clock.now()), leaseMs: 3_000 });
    expect(steal()).toBeUndefined();
    expect(repo.get(row.id)!.leaseExpiresAt!.getTime()).toBeGreaterThan(clock.now());

    // Another process takes it over (as if this one had stalled past the expiry).
    db.$client.prepare("UPDATE jobs SET lease_expires_at = ? WHERE id = ?").run(clock.now(), row.id);
    expect(steal()).toMatchObject({ leaseOwner: "w2", attempts: 2 });
    await clock.advance(1_000);
    expect(signal?.aborted).toBe(true);
    gate.resolve();
    await clock.advance(1_000);
    expect(repo.get(row.id)).toMatchObject({ status: "running", leaseOwner: "w2" });
    expect(lines.some((l) => /lost its lease/.test(l))).toBe(true);
  });

  it("takes over a job whose owner died once its lease expires", async () => {
    const { job, runs } = recorder(async () => {});
    const { job: row } = enqueueJob(repo, job, { n: 1 }, { now: new Date(T0) });
    repo.claim({ owner: "dead", token: "dead:1", kinds: ["rec"], now: new Date(T0), leaseMs: 30_000 });
    worker([job]).start();
    await clock.advance(29_000);
    expect(runs).toEqual([]);
    await clock.advance(2_000);
    expect(runs.map((r) => [r.at, r.attempt])).toEqual([[30_000, 2]]);
    expect(repo.get(row.id)).toMatchObject({ status: "succeeded" });
  });

  it("runs at most `concurrency` jobs at once and never claims a kind it does not know", async () => {
    const gate = deferred();
    const { job, runs } = recorder(() => gate.promise);
    for (let n = 0; n < 3; n++) enqueueJob(repo, job, { n }, { now: new Date(T0) });
    const other = repo.enqueue(
      { kind: "unknown", payload: {}, runAt: new Date(T0), maxAttempts: 1 },
      new Date(T0),
    );
    const w = worker([job], { concurrency: 2 });
    w.start();
    await clock.advance(5_000);
    expect(w.active()).toBe(2);
    gate.resolve();
    await clock.advance(5_000);
    expect(runs.map((r) => r.n)).toEqual([0, 1, 2]);
    expect(repo.get(other.job.id)).toMatchObject({ status: "queued", attempts: 0 });
  });

  it("each kind has its own room: long runs of one kind never keep another kind waiting", async () => {
    const gate = deferred();
    const audits = defineJob({
      kind: "long-audit",
      payload: z.object({ n: z.number().int() }),
      concurrency: 1,
      run: () => gate.promise,
    });
    const ran: string[] = [];
    const notify = defineJob({
      kind: "notify",
      payload: z.object({}),
      run: async () => void ran.push(`notify@${clock.now() - T0}`),
    });
    const timer = defineJob({
      kind: "timer",
      payload: z.object({}),
      run: async () => void ran.push(`timer@${clock.now() - T0}`),
    });
    // Two audits queued first (the oldest jobs), then the work that must not wait behind them.
    for (let n = 0; n < 2; n++) enqueueJob(repo, audits, { n }, { now: new Date(T0) });
    enqueueJob(repo, notify, {}, { now: new Date(T0) });
    enqueueJob(repo, timer, {}, { now: new Date(T0) });
    const w = worker([audits, notify, timer], { concurrency: 2, deadlineMs: 3_600_000 });
    w.start();
    await clock.advance(2_000);
    expect(ran).toEqual(["notify@0", "timer@0"]);
    // One audit at a time (its kind's own limit); the other waits for it, not for the worker.
    expect(repo.list({ statuses: ["running"] }).map((j) => j.kind)).toEqual(["long-audit"]);
    gate.resolve();
    await clock.advance(2_000);
    expect(repo.counts()).toMatchObject({ succeeded: 4, running: 0 });
  });

  it("a run past its deadline is aborted, counted as a failed attempt, and its slot is free at once", async () => {
    const hang = deferred();
    let first: AbortSignal | undefined;
    const job = defineJob({
      kind: "stuck",
      payload: z.object({ n: z.number().int() }),
      concurrency: 1,
      deadlineMs: 5_000,
      run: async ({ n }, ctx) => {
        if (n === 0 && ctx.attempt === 1) {
          first = ctx.signal;
          // Ignores the abort: its outcome must not be recorded when it does finish.
          await hang.promise;
        }
      },
    });
    const stuck = enqueueJob(repo, job, { n: 0 }, { now: new Date(T0) }).job;
    const next = enqueueJob(repo, job, { n: 1 }, { now: new Date(T0 + 1) }).job;
    worker([job]).start();
    await clock.advance(4_999);
    expect(repo.get(next.id)!.status).toBe("queued");
    await clock.advance(1);
    expect(first?.aborted).toBe(true);
    expect(repo.get(stuck.id)).toMatchObject({ status: "retrying", attempts: 1, leaseOwner: null });
    expect(repo.get(stuck.id)!.lastError).toMatch(/ran past its deadline of 5 s/);
    await clock.advance(10);
    expect(repo.get(next.id)!.status).toBe("succeeded");
    hang.resolve();
    await settle();
    expect(repo.get(stuck.id)!.status).toBe("retrying");
    // The back-off passes and the next attempt runs and succeeds.
    await clock.advance(5_000);
    expect(repo.get(stuck.id)).toMatchObject({ status: "succeeded", attempts: 2 });
    expect(lines.some((l) => /ran past its deadline/.test(l))).toBe(true);
  });

  it("deletes succeeded and dead jobs once they are past the retention, and nothing else", async () => {
    const { job } = recorder(async () => {});
    const DAY = 86_400_000;
    const row = (status: string, finishedDaysAgo: number | null, runInDays = 1) => {
      const { job: j } = enqueueJob(
        repo,
        job,
        { n: 0 },
        { now: new Date(T0 - 40 * DAY), runAt: new Date(T0 + runInDays * DAY) },
      );
      db.$client
        .prepare("UPDATE jobs SET status = ?, finished_at = ? WHERE id = ?")
        .run(status, finishedDaysAgo === null ? null : T0 - finishedDaysAgo * DAY, j.id);
      return j.id;
    };
    const old = [row("succeeded", 31), row("dead", 30.5)];
    const kept = [row("succeeded", 29), row("dead", 1), row("queued", null), row("retrying", null)];
    worker([job], { retentionMs: 30 * DAY }).start();
    await settle();
    for (const id of old) expect(repo.get(id)).toBeUndefined();
    for (const id of kept) expect(repo.get(id)).toBeDefined();
    expect(
      lines.some((l) => /deleted finished jobs past their retention/.test(l) && l.includes('"jobs":2')),
    ).toBe(true);
  });

  it("stop() waits for running jobs (bounded) and gives the rest back, due now, attempt unspent", async () => {
    const slow = deferred();
    const signals: AbortSignal[] = [];
    const { job } = recorder(async (n, ctx) => {
      signals.push(ctx.signal);
      if (n === 1) await slow.promise;
    });
    const quick = enqueueJob(repo, job, { n: 0 }, { now: new Date(T0) }).job;
    const stuck = enqueueJob(repo, job, { n: 1 }, { now: new Date(T0) }).job;
    const later = enqueueJob(repo, job, { n: 2 }, { now: new Date(T0), runAt: new Date(T0 + 60_000) }).job;
    const w = worker([job], { stopGraceMs: 5_000 });
    w.start();
    await settle();
    let stopped = false;
    const stopPromise = w.stop();
    expect(w.stop()).toBe(stopPromise); // a second stop() waits for the same drain
    const stopping = stopPromise.then(() => {
      stopped = true;
    });
    await clock.advance(4_999);
    expect(stopped).toBe(false);
    await clock.advance(1);
    await stopping;
    expect(repo.get(quick.id)).toMatchObject({ status: "succeeded" });
    expect(repo.get(stuck.id)).toMatchObject({ status: "queued", attempts: 0, leaseOwner: null });
    expect(signals[1]!.aborted).toBe(true);
    // Nothing more is claimed, and another process can take the stuck job at once.
    await clock.advance(120_000);
    expect(repo.get(later.id)).toMatchObject({ status: "queued" });
    expect(
      repo.claim({ owner: "w2", token: "w2:1", kinds: ["rec"], now: new Date(clock.now()), leaseMs: 1 }),
    ).toMatchObject({ id: stuck.id, attempts: 1 });
    // Whatever the aborted handler does now is not recorded.
    slow.resolve();
    await settle();
    expect(repo.get(stuck.id)).toMatchObject({ status: "running", leaseOwner: "w2" });
  });
});

describe("backoffDelay", () => {
  it("doubles from the base up to the cap, with at least half of it fixed", () => {
    const policy = { baseMs: 1_000, maxMs: 10_000 };
    expect([1, 2, 3, 4, 5, 9].map((a) => backoffDelay(a, policy, () => 1))).toEqual([
      1_000, 2_000, 4_000, 8_000, 10_000, 10_000,
    ]);
    expect(backoffDelay(3, policy, () => 0)).toBe(2_000);
  });
});
