import { asc, eq, sql } from "drizzle-orm";
import { type Db, IMMEDIATE } from "./db.js";
import type { DbOrTx } from "./jobs.repo.js";
import { leaverChecks, leavers, newcomerNotices } from "./schema.js";

/** The leavers gongops knows, its last full check, and the newcomers the admins were told about. */
export type LeaverRow = typeof leavers.$inferSelect;
export type NewLeaver = Omit<typeof leavers.$inferInsert, "notice" | "noticedAt" | "requestId" | "subjectId">;
export type LeaverCheckRow = typeof leaverChecks.$inferSelect;

export class LeaversRepo {
  constructor(private readonly db: Db) {}

  /** Runs `fn` in one write transaction, which the caller may extend (a notice job with its leaver). */
  tx<T>(fn: (tx: DbOrTx) => T): T {
    return this.db.transaction((tx) => fn(tx as unknown as DbOrTx), IMMEDIATE);
  }

  all(): LeaverRow[] {
    return this.db.select().from(leavers).orderBy(asc(leavers.name), asc(leavers.userId)).all();
  }

  count(): number {
    return this.db.select({ n: sql<number>`count(*)` }).from(leavers).get()!.n;
  }

  get(userId: string, tx: DbOrTx = this.db as unknown as DbOrTx): LeaverRow | undefined {
    return tx.select().from(leavers).where(eq(leavers.userId, userId)).get();
  }

  /** Adds a leaver; false when they are one already (their row, notice and request stay as they are). */
  add(tx: DbOrTx, row: NewLeaver): boolean {
    return tx.insert(leavers).values(row).onConflictDoNothing().run().changes > 0;
  }

  /** Removes a leaver (back in Slack, or no longer active in Gong); returns the row it removed. */
  remove(tx: DbOrTx, userId: string): LeaverRow | undefined {
    return tx.delete(leavers).where(eq(leavers.userId, userId)).returning().get();
  }

  update(userId: string, set: Partial<Omit<LeaverRow, "userId">>): void {
    this.db.update(leavers).set(set).where(eq(leavers.userId, userId)).run();
  }

  lastCheck(): LeaverCheckRow | undefined {
    return this.db.select().from(leaverChecks).where(eq(leaverChecks.id, 1)).get();
  }

  /** When the last full check was made (without reading its "not in Slack" list, maybe thousands). */
  lastCheckedAt(): string | null {
    return (
      this.db.select({ at: leaverChecks.checkedAt }).from(leaverChecks).where(eq(leaverChecks.id, 1)).get()
        ?.at ?? null
    );
  }

  /** Whether a full check was ever made (without reading its "not in Slack" list, maybe thousands). */
  checked(): boolean {
    return (
      this.db.select({ id: leaverChecks.id }).from(leaverChecks).where(eq(leaverChecks.id, 1)).get() !==
      undefined
    );
  }

  saveCheck(tx: DbOrTx, check: Omit<LeaverCheckRow, "id">): void {
    // The update takes the inserted row's values (`excluded`): `set: check` sent the "not in Slack"
    // list (thousands of people, in JSON) twice.
    tx.insert(leaverChecks)
      .values({ id: 1, ...check })
      .onConflictDoUpdate({
        target: leaverChecks.id,
        set: {
          checkedAt: sql`excluded.checked_at`,
          sources: sql`excluded.sources`,
          snapshotGen: sql`excluded.snapshot_gen`,
          notInSlack: sql`excluded.not_in_slack`,
        },
      })
      .run();
  }

  /** Records that the admins were told about newcomer `userId`; false when they had been already. */
  markNewcomer(userId: string, auditRunId: number, at: Date): boolean {
    return (
      this.db
        .insert(newcomerNotices)
        .values({ userId, auditRunId, noticedAt: at.toISOString() })
        .onConflictDoNothing()
        .run().changes > 0
    );
  }

  newcomerNoticed(userId: string): boolean {
    return Boolean(this.db.select().from(newcomerNotices).where(eq(newcomerNotices.userId, userId)).get());
  }

  /** A newcomer notice that could not be delivered is taken back, so that the next try sends it. */
  unmarkNewcomer(userId: string): void {
    this.db.delete(newcomerNotices).where(eq(newcomerNotices.userId, userId)).run();
  }
}
