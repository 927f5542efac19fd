import { and, asc, desc, eq, gt, gte, inArray, lte, notInArray } from "drizzle-orm";
import { countBy } from "./countBy.js";
import { type Db, writeTransaction } from "./db.js";
import { directoryChanges, syncRuns } from "./schema.js";

/** Sync runs and the directory changes each one recorded. */
export type SyncOutcome = "running" | "succeeded" | "failed";
export type ChangeKind = (typeof directoryChanges.$inferSelect)["kind"];

export interface SyncRunRow {
  id: number;
  startedAt: string;
  finishedAt: string | null;
  outcome: SyncOutcome;
  error: string | null;
  trigger: string;
  usersSeen: number;
  changes: number;
  counts: Record<string, number>;
  requestsUsed: number;
}

export interface ChangeRow {
  userId: string;
  kind: ChangeKind;
  before: string | null;
  after: string | null;
  name: string | null;
}

const changeColumns = {
  userId: directoryChanges.userId,
  kind: directoryChanges.kind,
  before: directoryChanges.before,
  after: directoryChanges.after,
  name: directoryChanges.name,
};

export class SyncRunsRepo {
  private readonly writeChanges: (runId: number, changes: readonly ChangeRow[]) => void;

  constructor(private readonly db: Db) {
    // A prepared statement: a first sync of 50,000 users records 50,000 "joined" rows.
    const insert = db.$client.prepare(
      "INSERT INTO directory_changes (sync_run_id, user_id, kind, before, after, name) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.writeChanges = writeTransaction(db.$client, (runId: number, changes: readonly ChangeRow[]) => {
      for (const c of changes) insert.run(runId, c.userId, c.kind, c.before, c.after, c.name);
    });
  }

  start(trigger: string, startedAt: Date): number {
    return this.db
      .insert(syncRuns)
      .values({ startedAt: startedAt.toISOString(), outcome: "running", trigger })
      .returning({ id: syncRuns.id })
      .get().id;
  }

  fail(
    id: number,
    error: string,
    fields: { usersSeen: number; requestsUsed: number },
    finishedAt: Date,
  ): void {
    this.db
      .update(syncRuns)
      .set({ outcome: "failed", error, finishedAt: finishedAt.toISOString(), ...fields })
      .where(eq(syncRuns.id, id))
      .run();
  }

  /** Marks runs left "running" by a process that died as failed; `except` are runs still alive. */
  failInterrupted(except: number[], finishedAt: Date): number[] {
    const stale = this.db
      .select({ id: syncRuns.id })
      .from(syncRuns)
      .where(and(eq(syncRuns.outcome, "running"), notInArray(syncRuns.id, except)))
      .all()
      .map((r) => r.id);
    if (stale.length > 0) {
      this.db
        .update(syncRuns)
        .set({
          outcome: "failed",
          error: "interrupted: the process stopped during the sync",
          finishedAt: finishedAt.toISOString(),
        })
        .where(inArray(syncRuns.id, stale))
        .run();
    }
    return stale;
  }

  /** How many runs ended each way (metrics). */
  countByOutcome(): Record<string, number> {
    return countBy(this.db, syncRuns, syncRuns.outcome);
  }

  get(id: number): SyncRunRow | null {
    const r = this.db.select().from(syncRuns).where(eq(syncRuns.id, id)).get();
    return r ?? null;
  }

  recent(limit: number): SyncRunRow[] {
    return this.db.select().from(syncRuns).orderBy(desc(syncRuns.id)).limit(limit).all();
  }

  lastSucceeded(): SyncRunRow | null {
    const r = this.db
      .select()
      .from(syncRuns)
      .where(eq(syncRuns.outcome, "succeeded"))
      .orderBy(desc(syncRuns.id))
      .limit(1)
      .get();
    return r ?? null;
  }

  insertChanges(runId: number, changes: readonly ChangeRow[]): void {
    if (changes.length > 0) this.writeChanges(runId, changes);
  }

  changesOf(runId: number): ChangeRow[] {
    return this.db
      .select(changeColumns)
      .from(directoryChanges)
      .where(eq(directoryChanges.syncRunId, runId))
      .orderBy(directoryChanges.id)
      .all();
  }

  /** Directory changes recorded by the succeeded syncs after snapshot `afterGen` up to `toGen`. */
  changesBetween(afterGen: number, toGen: number): ChangeRow[] {
    return this.db
      .select(changeColumns)
      .from(directoryChanges)
      .innerJoin(syncRuns, eq(syncRuns.id, directoryChanges.syncRunId))
      .where(
        and(
          gt(directoryChanges.syncRunId, afterGen),
          lte(directoryChanges.syncRunId, toGen),
          eq(syncRuns.outcome, "succeeded"),
        ),
      )
      .orderBy(asc(directoryChanges.id))
      .all();
  }

  /** One user's changes of a kind seen by succeeded syncs that finished at or after `since`, newest first. */
  changesOfUser(userId: string, kind: ChangeKind, since: string): { at: string; runId: number }[] {
    return this.db
      .select({ at: syncRuns.finishedAt, runId: syncRuns.id })
      .from(directoryChanges)
      .innerJoin(syncRuns, eq(syncRuns.id, directoryChanges.syncRunId))
      .where(
        and(
          eq(directoryChanges.userId, userId),
          eq(directoryChanges.kind, kind),
          eq(syncRuns.outcome, "succeeded"),
          gte(syncRuns.finishedAt, since),
        ),
      )
      .orderBy(desc(syncRuns.id))
      .all()
      .map((r) => ({ at: r.at ?? since, runId: r.runId }));
  }

  /** Failed runs that still have change records (only succeeded runs keep theirs). */
  failedWithChanges(): number[] {
    return this.db
      .selectDistinct({ id: directoryChanges.syncRunId })
      .from(directoryChanges)
      .innerJoin(syncRuns, eq(syncRuns.id, directoryChanges.syncRunId))
      .where(eq(syncRuns.outcome, "failed"))
      .all()
      .map((r) => r.id);
  }

  /** Removes what a failed run wrote, in bounded steps. Returns rows deleted (0 when done). */
  deleteChangesChunk(runId: number, limit: number): number {
    const ids = this.db
      .select({ id: directoryChanges.id })
      .from(directoryChanges)
      .where(eq(directoryChanges.syncRunId, runId))
      .limit(limit)
      .all()
      .map((r) => r.id);
    if (ids.length === 0) return 0;
    return this.db.delete(directoryChanges).where(inArray(directoryChanges.id, ids)).run().changes;
  }
}
