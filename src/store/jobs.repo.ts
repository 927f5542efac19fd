import type { RunResult } from "better-sqlite3";
import { and, asc, desc, eq, gte, inArray, lte, or, sql } from "drizzle-orm";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import { countBy } from "./countBy.js";
import type { Db } from "./db.js";
import type * as schema from "./schema.js";
import { type JobStatus, jobs, workerHeartbeats } from "./schema.js";

/**
 * The job queue's SQL (the rules live in src/jobs/). Every write a worker makes after its claim names the
 * claim's lease token, so a worker that lost its lease (it stalled past the expiry and another process
 * took the job over) writes nothing: the compare-and-set of liteque's allocation id, in our schema.
 * Times are passed in by the caller, whose clock is injectable.
 */
export type JobRow = typeof jobs.$inferSelect;

/** The database or a transaction of it: enqueue joins the caller's transaction when given one. */
export type DbOrTx = BaseSQLiteDatabase<"sync", RunResult, typeof schema>;

export interface NewJob {
  kind: string;
  payload: unknown;
  runAt: Date;
  maxAttempts: number;
  idempotencyKey?: string | null;
}

export interface Claim {
  owner: string;
  token: string;
  /** Only jobs of these kinds: a process never claims a kind it cannot run (an older version, say). */
  kinds: readonly string[];
  now: Date;
  leaseMs: number;
}

/** Waiting for run_at, or running under a lease that has expired (its owner died or stalled). */
function due(now: Date) {
  return or(
    and(inArray(jobs.status, ["queued", "retrying"]), lte(jobs.runAt, now)),
    and(
      eq(jobs.status, "running"),
      lte(jobs.leaseExpiresAt, now),
      sql`${jobs.attempts} < ${jobs.maxAttempts}`,
    ),
  );
}

/** Running under an expired lease with no attempt left: the owner died on its last try. */
function expiredSpent(now: Date) {
  return and(
    eq(jobs.status, "running"),
    lte(jobs.leaseExpiresAt, now),
    gte(jobs.attempts, sql`${jobs.maxAttempts}`),
  );
}

const noLease = { leaseOwner: null, leaseToken: null, leaseExpiresAt: null } as const;

export class JobsRepo {
  constructor(private readonly db: Db) {}

  /**
   * Adds a job, in `tx` when given (so a state change and the job it implies commit together). A job
   * with the same idempotency key already there, in any status, is returned as it is and nothing is added.
   */
  enqueue(job: NewJob, now: Date, tx: DbOrTx = this.db): { job: JobRow; created: boolean } {
    const inserted = tx
      .insert(jobs)
      .values({
        kind: job.kind,
        payload: job.payload,
        runAt: job.runAt,
        maxAttempts: job.maxAttempts,
        idempotencyKey: job.idempotencyKey ?? null,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing({ target: jobs.idempotencyKey })
      .returning()
      .get();
    if (inserted) return { job: inserted, created: true };
    const existing = tx.select().from(jobs).where(eq(jobs.idempotencyKey, job.idempotencyKey!)).get();
    return { job: existing!, created: false };
  }

  /**
   * Claims the next due job, or returns undefined. Read, then compare-and-set: the UPDATE repeats the
   * "still due" condition, so of two processes that read the same job only one changes it; the loser
   * reads again. No surrounding transaction: a read that later writes would get SQLITE_BUSY_SNAPSHOT
   * under WAL when another process wrote in between, and busy_timeout does not retry that.
   */
  claim(c: Claim): JobRow | undefined {
    if (c.kinds.length === 0) return undefined;
    for (let tries = 0; tries < 8; tries++) {
      const candidate = this.db
        .select({ id: jobs.id })
        .from(jobs)
        .where(and(inArray(jobs.kind, [...c.kinds]), due(c.now)))
        .orderBy(asc(jobs.runAt), asc(jobs.id))
        .limit(1)
        .get();
      if (!candidate) return undefined;
      const claimed = this.db
        .update(jobs)
        .set({
          status: "running",
          attempts: sql`${jobs.attempts} + 1`,
          leaseOwner: c.owner,
          leaseToken: c.token,
          leaseExpiresAt: new Date(c.now.getTime() + c.leaseMs),
          updatedAt: c.now,
        })
        .where(and(eq(jobs.id, candidate.id), due(c.now)))
        .returning()
        .get();
      if (claimed) return claimed;
    }
    return undefined;
  }

  /** Moves jobs whose owner died on their last attempt to dead; returns them (to be logged). */
  buryExpired(kinds: readonly string[], now: Date): JobRow[] {
    if (kinds.length === 0) return [];
    return this.db
      .update(jobs)
      .set({
        status: "dead",
        lastError: sql`coalesce(${jobs.lastError} || '; ', '') || 'lease expired: its process stopped during the last attempt'`,
        finishedAt: now,
        updatedAt: now,
        ...noLease,
      })
      .where(and(inArray(jobs.kind, [...kinds]), expiredSpent(now)))
      .returning()
      .all();
  }

  private mine(id: number, token: string) {
    return and(eq(jobs.id, id), eq(jobs.leaseToken, token), eq(jobs.status, "running"));
  }

  /** Extends a lease; false when it is no longer ours. */
  renew(id: number, token: string, until: Date, now: Date): boolean {
    return (
      this.db.update(jobs).set({ leaseExpiresAt: until, updatedAt: now }).where(this.mine(id, token)).run()
        .changes === 1
    );
  }

  succeed(id: number, token: string, now: Date): boolean {
    return (
      this.db
        .update(jobs)
        .set({ status: "succeeded", finishedAt: now, updatedAt: now, lastError: null, ...noLease })
        .where(this.mine(id, token))
        .run().changes === 1
    );
  }

  /** A failed attempt: back to wait until `retryAt`, or dead when `retryAt` is null. */
  fail(id: number, token: string, error: string, retryAt: Date | null, now: Date): boolean {
    const set =
      retryAt === null
        ? { status: "dead" as const, finishedAt: now }
        : { status: "retrying" as const, runAt: retryAt };
    return (
      this.db
        .update(jobs)
        .set({ ...set, lastError: error, updatedAt: now, ...noLease })
        .where(this.mine(id, token))
        .run().changes === 1
    );
  }

  /**
   * Puts the job back to wait without spending the attempt it was on: a RetryAfter (`note` says why) or
   * a graceful stop handing it to another process (`runAt` = now).
   */
  giveBack(id: number, token: string, runAt: Date, note: string | null, now: Date): boolean {
    return (
      this.db
        .update(jobs)
        .set({
          status: note === null ? "queued" : "retrying",
          runAt,
          attempts: sql`max(${jobs.attempts} - 1, 0)`,
          ...(note === null ? {} : { lastError: note }),
          updatedAt: now,
          ...noLease,
        })
        .where(this.mine(id, token))
        .run().changes === 1
    );
  }

  /**
   * A person's retry: a dead job gets a fresh set of attempts, a retrying one runs now. Returns the job
   * after the change, or undefined when it does not exist or is not dead or retrying (queued, running
   * and succeeded jobs are left alone).
   */
  retryNow(id: number, now: Date): JobRow | undefined {
    return this.db
      .update(jobs)
      .set({
        status: "queued",
        runAt: now,
        attempts: sql`CASE WHEN ${jobs.status} = 'dead' THEN 0 ELSE ${jobs.attempts} END`,
        finishedAt: null,
        updatedAt: now,
      })
      .where(and(eq(jobs.id, id), inArray(jobs.status, ["dead", "retrying"])))
      .returning()
      .get();
  }

  /**
   * The work behind a job is to be done again from the start (a failed deactivation an admin runs
   * again): a finished (succeeded or dead) or waiting job is queued now with a fresh set of attempts, in
   * `tx` when given. Undefined when it does not exist or is queued or running (left alone).
   */
  rerun(id: number, now: Date, tx: DbOrTx = this.db): JobRow | undefined {
    return tx
      .update(jobs)
      .set({ status: "queued", runAt: now, attempts: 0, finishedAt: null, updatedAt: now })
      .where(and(eq(jobs.id, id), inArray(jobs.status, ["succeeded", "dead", "retrying"])))
      .returning()
      .get();
  }

  /**
   * Deletes succeeded and dead jobs that finished before `before`; returns how many. (Their idempotency
   * keys go with them: the retention must outlast any window in which the same work could be enqueued
   * again, which the longest of them, a schedule's catch-up, does by far.)
   */
  prune(before: Date): number {
    return this.db
      .delete(jobs)
      .where(and(inArray(jobs.status, ["succeeded", "dead"]), lte(jobs.finishedAt, before)))
      .run().changes;
  }

  get(id: number): JobRow | undefined {
    return this.db.select().from(jobs).where(eq(jobs.id, id)).get();
  }

  /** Newest first. */
  list(options: { statuses?: readonly JobStatus[]; limit?: number } = {}): JobRow[] {
    const q = this.db.select().from(jobs);
    const filtered = options.statuses ? q.where(inArray(jobs.status, [...options.statuses])) : q;
    return filtered
      .orderBy(desc(jobs.id))
      .limit(options.limit ?? 100)
      .all();
  }

  counts(): Record<JobStatus, number> {
    return {
      queued: 0,
      running: 0,
      retrying: 0,
      succeeded: 0,
      dead: 0,
      ...countBy(this.db, jobs, jobs.status),
    };
  }

  /** A worker's sign of life (its start, then while it polls); `kinds`: what it runs. */
  beat(owner: string, kinds: readonly string[], now: Date, started = false): void {
    this.db
      .insert(workerHeartbeats)
      .values({ owner, startedAt: now, beatAt: now, kinds: [...kinds] })
      .onConflictDoUpdate({
        target: workerHeartbeats.owner,
        set: { beatAt: now, stoppedAt: null, kinds: [...kinds], ...(started ? { startedAt: now } : {}) },
      })
      .run();
  }

  /** The worker stopped on purpose. */
  stopped(owner: string, now: Date): void {
    this.db.update(workerHeartbeats).set({ stoppedAt: now }).where(eq(workerHeartbeats.owner, owner)).run();
  }

  /** The newest heartbeat of any worker on this database, if one ever ran. */
  lastBeat(): typeof workerHeartbeats.$inferSelect | undefined {
    return this.db.select().from(workerHeartbeats).orderBy(desc(workerHeartbeats.beatAt)).limit(1).get();
  }
}
