import { and, asc, desc, eq, isNotNull, isNull, lt, or } from "drizzle-orm";
import { type Db, IMMEDIATE } from "./db.js";
import type { DbOrTx } from "./jobs.repo.js";
import {
  type DigestSnapshot,
  digests,
  type ScheduleKind,
  type ScheduleOptions,
  schedules,
} from "./schema.js";

/** Schedules and the digests their runs built (the rules live in src/schedules/ and src/digest/). */
export type ScheduleRow = typeof schedules.$inferSelect;
export type DigestRow = typeof digests.$inferSelect;

export interface NewSchedule {
  kind: ScheduleKind;
  cron: string;
  timezone: string;
  channel: string | null;
  options: ScheduleOptions;
  createdBy: string;
  createdAt: Date;
}

export class SchedulesRepo {
  constructor(private readonly db: Db) {}

  /** Runs `fn` in one BEGIN IMMEDIATE transaction: a read that decides a write, safe across processes. */
  immediate<T>(fn: (tx: DbOrTx) => T): T {
    return this.db.transaction((tx) => fn(tx as unknown as DbOrTx), IMMEDIATE);
  }

  add(s: NewSchedule): ScheduleRow {
    return this.db.insert(schedules).values(s).returning().get();
  }

  get(id: number, tx: DbOrTx = this.db): ScheduleRow | undefined {
    return tx.select().from(schedules).where(eq(schedules.id, id)).get();
  }

  list(): ScheduleRow[] {
    return this.db.select().from(schedules).orderBy(asc(schedules.id)).all();
  }

  active(): ScheduleRow[] {
    return this.db
      .select()
      .from(schedules)
      .where(eq(schedules.paused, false))
      .orderBy(asc(schedules.id))
      .all();
  }

  failing(): ScheduleRow[] {
    return this.db
      .select()
      .from(schedules)
      .where(isNotNull(schedules.failing))
      .orderBy(asc(schedules.id))
      .all();
  }

  remove(id: number): boolean {
    return this.db.delete(schedules).where(eq(schedules.id, id)).run().changes === 1;
  }

  update(
    id: number,
    fields: Partial<Omit<typeof schedules.$inferInsert, "id">>,
    tx: DbOrTx = this.db,
  ): ScheduleRow | undefined {
    return tx.update(schedules).set(fields).where(eq(schedules.id, id)).returning().get();
  }

  /** Moves last_due_at forward only (a process with a slower clock never moves it back). */
  advanceDue(id: number, dueAt: Date, tx: DbOrTx): void {
    tx.update(schedules)
      .set({ lastDueAt: dueAt })
      .where(and(eq(schedules.id, id), or(isNull(schedules.lastDueAt), lt(schedules.lastDueAt, dueAt))))
      .run();
  }

  // Digests

  digestByKey(runKey: string): DigestRow | undefined {
    return this.db.select().from(digests).where(eq(digests.runKey, runKey)).get();
  }

  /** The digest before `beforeId` of this schedule (any schedule when null), or the newest one. */
  previousDigest(scheduleId: number | null, beforeId?: number): DigestRow | undefined {
    const conditions = [
      scheduleId === null ? undefined : eq(digests.scheduleId, scheduleId),
      beforeId === undefined ? undefined : lt(digests.id, beforeId),
    ].filter((c) => c !== undefined);
    return this.db
      .select()
      .from(digests)
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(desc(digests.id))
      .limit(1)
      .get();
  }

  saveDigest(d: {
    scheduleId: number | null;
    runKey: string;
    createdAt: Date;
    auditRunId: number;
    snapshotGen: number;
    activeUsers: number;
    snapshot: DigestSnapshot;
  }): DigestRow {
    const inserted = this.db.insert(digests).values(d).onConflictDoNothing().returning().get();
    return inserted ?? this.digestByKey(d.runKey)!;
  }

  markPosted(id: number, channel: string, ts: string): void {
    this.db.update(digests).set({ postedChannel: channel, postedTs: ts }).where(eq(digests.id, id)).run();
  }
}
