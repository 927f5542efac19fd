import { and, asc, desc, eq, gt, gte, ne, sql } from "drizzle-orm";
import type { ActivityCounts } from "../gong/schemas.js";
import { countBy } from "./countBy.js";
import { type Db, writeTransaction } from "./db.js";
import { auditPosts, auditRuns, auditSubjects, auditWindows } from "./schema.js";

/** Audit runs, their windows, and what each learned about each user. */
export type AuditRunRow = typeof auditRuns.$inferSelect;
export type AuditWindowRow = typeof auditWindows.$inferSelect;
export type AuditSubjectRow = typeof auditSubjects.$inferSelect;
export type NewAuditSubject = typeof auditSubjects.$inferInsert;

/** What one Gong request taught, saved in one transaction with the run's request count. */
export interface Evidence {
  /** Users seen hosting a call, with the latest call time seen for them. */
  found: { userId: string; lastCallAt: string }[];
  /** Users shown to have hosted no call in window `windowIdx`. */
  cleared: { windowIdx: number; userIds: string[] } | null;
  requests: number;
}

/** What one activity-statistics request taught ("any" runs), saved with the requests it cost. */
export interface ActivityEvidence {
  /** Users Gong listed, with their counts and whether those show activity. */
  listed: { userId: string; counts: ActivityCounts; seen: boolean }[];
  /** Users a complete answer did not list: Gong saw nothing from them on those days. */
  none: string[];
  requests: number;
}

export class AuditsRepo {
  private readonly saveEvidence: (runId: number, e: Evidence) => void;
  private readonly saveActivity: (runId: number, e: ActivityEvidence) => void;
  private readonly writeSubjects: (rows: readonly NewAuditSubject[]) => void;

  constructor(private readonly db: Db) {
    const found = db.$client.prepare(
      `UPDATE audit_subjects SET hosted_call = 1,
         last_call_at = CASE WHEN last_call_at IS NULL OR last_call_at < @at THEN @at ELSE last_call_at END
       WHERE run_id = @run AND user_id = @user`,
    );
    const cleared = db.$client.prepare(
      "UPDATE audit_subjects SET cleared_mask = cleared_mask | @bit WHERE run_id = @run AND user_id = @user",
    );
    const requests = db.$client.prepare(
      "UPDATE audit_runs SET requests_used = requests_used + ? WHERE id = ?",
    );
    // A prepared statement: an audit of 10,000 users writes 10,000 subjects before its first request.
    const subject = db.$client.prepare(
      `INSERT INTO audit_subjects (run_id, user_id, kind, reason, email, first_name, last_name, title, manager_id, created, newcomer)
       VALUES (@runId, @userId, @kind, @reason, @email, @firstName, @lastName, @title, @managerId, @created, @newcomer)`,
    );
    this.writeSubjects = writeTransaction(db.$client, (rows: readonly NewAuditSubject[]) => {
      for (const r of rows) {
        subject.run({
          runId: r.runId,
          userId: r.userId,
          kind: r.kind,
          reason: r.reason ?? null,
          email: r.email ?? null,
          firstName: r.firstName ?? null,
          lastName: r.lastName ?? null,
          title: r.title ?? null,
          managerId: r.managerId ?? null,
          created: r.created ?? null,
          newcomer: r.newcomer ? 1 : 0,
        });
      }
    });
    const listed = db.$client.prepare(
      `UPDATE audit_subjects SET activity_checked = 1, activity_seen = @seen, activity = @counts
       WHERE run_id = @run AND user_id = @user`,
    );
    const none = db.$client.prepare(
      "UPDATE audit_subjects SET activity_checked = 1 WHERE run_id = @run AND user_id = @user",
    );
    const activityRequests = db.$client.prepare(
      "UPDATE audit_runs SET requests_used = requests_used + ?, activity_requests = activity_requests + ? WHERE id = ?",
    );
    this.saveActivity = writeTransaction(db.$client, (runId: number, e: ActivityEvidence) => {
      for (const l of e.listed)
        listed.run({ run: runId, user: l.userId, seen: l.seen ? 1 : 0, counts: JSON.stringify(l.counts) });
      for (const id of e.none) none.run({ run: runId, user: id });
      if (e.requests) activityRequests.run(e.requests, e.requests, runId);
    });
    this.saveEvidence = writeTransaction(db.$client, (runId: number, e: Evidence) => {
      for (const f of e.found) found.run({ run: runId, user: f.userId, at: f.lastCallAt });
      if (e.cleared) {
        const bit = 2 ** e.cleared.windowIdx;
        for (const id of e.cleared.userIds) cleared.run({ run: runId, user: id, bit });
      }
      if (e.requests) requests.run(e.requests, runId);
    });
  }

  create(run: typeof auditRuns.$inferInsert): number {
    return this.db.insert(auditRuns).values(run).returning({ id: auditRuns.id }).get().id;
  }

  insertSubjects(rows: readonly NewAuditSubject[]): void {
    if (rows.length > 0) this.writeSubjects(rows);
  }

  insertWindows(rows: readonly (typeof auditWindows.$inferInsert)[]): void {
    this.db
      .insert(auditWindows)
      .values([...rows])
      .run();
  }

  update(id: number, fields: Partial<typeof auditRuns.$inferInsert>): void {
    this.db.update(auditRuns).set(fields).where(eq(auditRuns.id, id)).run();
  }

  updateWindow(runId: number, idx: number, fields: Partial<typeof auditWindows.$inferInsert>): void {
    this.db
      .update(auditWindows)
      .set(fields)
      .where(and(eq(auditWindows.runId, runId), eq(auditWindows.idx, idx)))
      .run();
  }

  addWindowRequests(runId: number, idx: number, n: number): void {
    this.db
      .update(auditWindows)
      .set({ requestsUsed: sql`${auditWindows.requestsUsed} + ${n}` })
      .where(and(eq(auditWindows.runId, runId), eq(auditWindows.idx, idx)))
      .run();
  }

  record(runId: number, evidence: Evidence): void {
    this.saveEvidence(runId, evidence);
  }

  recordActivity(runId: number, evidence: ActivityEvidence): void {
    this.saveActivity(runId, evidence);
  }

  /**
   * The latest hosted call any audit ever saw for each of `userIds` (an older, longer look-back may
   * know one that this run's look-back does not reach).
   */
  lastCallsOf(userIds: readonly string[]): Map<string, string> {
    const wanted = new Set(userIds);
    const out = new Map<string, string>();
    if (wanted.size === 0) return out;
    // One pass over the table (its key leads with run_id, so a lookup per user would scan it each time).
    const rows = this.db.$client
      .prepare(
        "SELECT user_id AS id, max(last_call_at) AS at FROM audit_subjects WHERE last_call_at IS NOT NULL GROUP BY user_id",
      )
      .all() as { id: string; at: string }[];
    for (const r of rows) if (wanted.has(r.id)) out.set(r.id, r.at);
    return out;
  }

  /** How many runs are in each status (metrics). */
  countByStatus(): Record<string, number> {
    return countBy(this.db, auditRuns, auditRuns.status);
  }

  get(id: number): AuditRunRow | null {
    return this.db.select().from(auditRuns).where(eq(auditRuns.id, id)).get() ?? null;
  }

  /**
   * The newest run that did not finish (paused, failed, or left running by a process that died) and
   * got as far as starting its work.
   */
  latestUnfinished(): AuditRunRow | null {
    return (
      this.db
        .select()
        .from(auditRuns)
        .where(and(ne(auditRuns.status, "succeeded"), eq(auditRuns.prepared, true)))
        .orderBy(desc(auditRuns.id))
        .limit(1)
        .get() ?? null
    );
  }

  latest(status?: AuditRunRow["status"]): AuditRunRow | null {
    const q = this.db.select().from(auditRuns);
    return (
      (status ? q.where(eq(auditRuns.status, status)) : q).orderBy(desc(auditRuns.id)).limit(1).get() ?? null
    );
  }

  /** The newest finished run under a rule (stuck newcomers come from the newest "any" run). */
  latestSucceeded(rule: AuditRunRow["activityRule"]): AuditRunRow | null {
    return (
      this.db
        .select()
        .from(auditRuns)
        .where(and(eq(auditRuns.status, "succeeded"), eq(auditRuns.activityRule, rule)))
        .orderBy(desc(auditRuns.id))
        .limit(1)
        .get() ?? null
    );
  }

  /** The newest finished run with this look-back and rule that started at or after `since` (ISO). */
  succeededSince(o: { days: number; rule: AuditRunRow["activityRule"]; since: string }): AuditRunRow | null {
    return (
      this.db
        .select()
        .from(auditRuns)
        .where(
          and(
            eq(auditRuns.status, "succeeded"),
            eq(auditRuns.lookbackDays, o.days),
            eq(auditRuns.activityRule, o.rule),
            gte(auditRuns.startedAt, o.since),
          ),
        )
        .orderBy(desc(auditRuns.id))
        .limit(1)
        .get() ?? null
    );
  }

  history(limit: number): AuditRunRow[] {
    return this.db.select().from(auditRuns).orderBy(desc(auditRuns.id)).limit(limit).all();
  }

  windows(runId: number): AuditWindowRow[] {
    return this.db
      .select()
      .from(auditWindows)
      .where(eq(auditWindows.runId, runId))
      .orderBy(asc(auditWindows.idx))
      .all();
  }

  subjects(runId: number, kind?: AuditSubjectRow["kind"]): AuditSubjectRow[] {
    return this.subjectsAfter(runId, "", -1, kind);
  }

  /**
   * A keyset page of `subjects(runId, kind)`: up to `limit` subjects with user id > `afterUserId`, in
   * user id order (the table's key), so that a run of 10,000 users is read between other work (a
   * negative limit reads to the end).
   */
  subjectsAfter(
    runId: number,
    afterUserId: string,
    limit: number,
    kind?: AuditSubjectRow["kind"],
  ): AuditSubjectRow[] {
    const where = and(
      eq(auditSubjects.runId, runId),
      gt(auditSubjects.userId, afterUserId),
      kind ? eq(auditSubjects.kind, kind) : undefined,
    );
    return this.db
      .select()
      .from(auditSubjects)
      .where(where)
      .orderBy(asc(auditSubjects.userId))
      .limit(limit)
      .all();
  }

  /** Remembers the Slack message an audit reports in. */
  savePost(post: typeof auditPosts.$inferInsert): void {
    this.db.insert(auditPosts).values(post).onConflictDoUpdate({ target: auditPosts.runId, set: post }).run();
  }

  updatePost(runId: number, fields: Partial<Omit<typeof auditPosts.$inferInsert, "runId">>): void {
    this.db.update(auditPosts).set(fields).where(eq(auditPosts.runId, runId)).run();
  }

  /** Messages whose last rendering did not reach Slack, for runs no longer running (newest first). */
  postsToRender(limit = 20): (typeof auditPosts.$inferSelect)[] {
    return this.db
      .select({ post: auditPosts })
      .from(auditPosts)
      .innerJoin(auditRuns, eq(auditRuns.id, auditPosts.runId))
      .where(and(eq(auditPosts.finalRendered, false), ne(auditRuns.status, "running")))
      .orderBy(desc(auditPosts.runId))
      .limit(limit)
      .all()
      .map((r) => r.post);
  }

  postOf(runId: number): typeof auditPosts.$inferSelect | null {
    return this.db.select().from(auditPosts).where(eq(auditPosts.runId, runId)).get() ?? null;
  }
}
