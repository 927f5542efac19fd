import { and, asc, desc, eq, gte, inArray, isNull, sql } from "drizzle-orm";
import { type Db, IMMEDIATE } from "./db.js";
import type { DbOrTx } from "./jobs.repo.js";
import {
  approvalDaily,
  approvalMessages,
  approvalRequests,
  approvalSubjects,
  approvalTrail,
  OPEN_STATES,
  type SubjectState,
} from "./schema.js";

/**
 * Deactivation requests' SQL (the rules live in src/approvals/). A transition is one conditional UPDATE
 * from the expected states only plus a trail row, in one transaction that the caller may extend (the
 * outbox: the approval and the job that executes it commit together).
 */
export type RequestRow = typeof approvalRequests.$inferSelect;
export type SubjectRow = typeof approvalSubjects.$inferSelect;
export type TrailRow = typeof approvalTrail.$inferSelect;
export type NewSubject = Omit<
  typeof approvalSubjects.$inferInsert,
  "requestId" | "state" | "updatedAt" | "dryRun"
>;

export interface Transition {
  subjectId: number;
  from: readonly SubjectState[];
  to: SubjectState;
  actor: string;
  why?: string | null;
  override?: boolean;
  /** Other columns to set in the same UPDATE. */
  set?: Partial<typeof approvalSubjects.$inferInsert>;
  /**
   * The approver the caller checked (a decision, an escalation): the UPDATE matches only while the
   * subject still has that one, so a reassignment that landed first wins over a late click.
   */
  approver?: { kind: SubjectRow["approverKind"]; slackId: string | null };
  now: Date;
}

export class ApprovalsRepo {
  constructor(readonly db: Db) {}

  /** Runs `fn` in one write transaction (BEGIN IMMEDIATE: no lost snapshot between read and write). */
  tx<T>(fn: (tx: DbOrTx) => T): T {
    return this.db.transaction((tx) => fn(tx as unknown as DbOrTx), IMMEDIATE);
  }

  /**
   * A request and its subjects, each in `first.state` (pending, or notice while the seat holder is
   * asked first) with its trail row; `first.why` adds to the row's words.
   */
  createRequest(
    tx: DbOrTx,
    request: Omit<typeof approvalRequests.$inferInsert, "id">,
    subjects: readonly NewSubject[],
    actor: string,
    first: { state: "pending" | "notice"; why?: string } = { state: "pending" },
  ): { request: RequestRow; subjects: SubjectRow[] } {
    const row = tx.insert(approvalRequests).values(request).returning().get();
    const rows = subjects.map((s) =>
      tx
        .insert(approvalSubjects)
        .values({
          ...s,
          requestId: row.id,
          dryRun: request.dryRun ?? false,
          state: first.state,
          updatedAt: request.createdAt,
        })
        .returning()
        .get(),
    );
    for (const s of rows) {
      tx.insert(approvalTrail)
        .values({
          subjectId: s.id,
          requestId: row.id,
          at: request.createdAt,
          actor,
          fromState: null,
          toState: first.state,
          why: `${request.reason}; ${approverWords(s)}${first.why ? `; ${first.why}` : ""}`,
        })
        .run();
    }
    return { request: row, subjects: rows };
  }

  /**
   * Moves a subject from one of `t.from` to `t.to` and appends the trail row; returns the subject after
   * the move, or null when it was not in an expected state (someone else moved it first). Which moves
   * exist is approvals' rule (approvals/states.ts, checked in approvals/core.ts), not the store's.
   */
  transition(tx: DbOrTx, t: Transition): SubjectRow | null {
    const at = t.now.toISOString();
    const before = tx
      .select({ state: approvalSubjects.state })
      .from(approvalSubjects)
      .where(eq(approvalSubjects.id, t.subjectId))
      .get();
    const approver = t.approver
      ? and(
          eq(approvalSubjects.approverKind, t.approver.kind),
          t.approver.slackId === null
            ? isNull(approvalSubjects.approverSlackId)
            : eq(approvalSubjects.approverSlackId, t.approver.slackId),
        )
      : undefined;
    const row = tx
      .update(approvalSubjects)
      .set({ ...t.set, state: t.to, updatedAt: at })
      .where(
        and(eq(approvalSubjects.id, t.subjectId), inArray(approvalSubjects.state, [...t.from]), approver),
      )
      .returning()
      .get();
    if (!row) return null;
    // A subject that leaves executing before any change was sent (failed, cancelled) gives the daily
    // slot its claim took back to the day it was taken.
    if (
      before?.state === "executing" &&
      (t.to === "failed" || t.to === "cancelled") &&
      row.changeSentAt == null &&
      row.idpSnapshot == null
    )
      this.giveBackDailySlot(tx, row.id);
    tx.insert(approvalTrail)
      .values({
        subjectId: row.id,
        requestId: row.requestId,
        at,
        actor: t.actor,
        fromState: before?.state ?? null,
        toState: t.to,
        why: t.why ?? null,
        override: t.override ?? false,
      })
      .run();
    return row;
  }

  /** A trail row that changes no state (an IdP call made on the subject's behalf). */
  note(subjectId: number, t: { actor: string; why: string; now: Date }): void {
    const row = this.subject(subjectId);
    if (!row) return;
    this.db
      .insert(approvalTrail)
      .values({
        subjectId,
        requestId: row.requestId,
        at: t.now.toISOString(),
        actor: t.actor,
        fromState: row.state,
        toState: row.state,
        why: t.why,
      })
      .run();
  }

  /** Sets columns that are not the state (a waiting note), only while the subject is in `state`. */
  annotate(
    subjectId: number,
    state: SubjectState,
    set: Partial<typeof approvalSubjects.$inferInsert>,
  ): boolean {
    return (
      this.db
        .update(approvalSubjects)
        .set(set)
        .where(and(eq(approvalSubjects.id, subjectId), eq(approvalSubjects.state, state)))
        .run().changes === 1
    );
  }

  /**
   * Takes one of today's PATCHes when fewer than `cap` were taken (or `force`). In the caller's
   * transaction, so that the slot and the claim `approved → executing` commit together.
   */
  takeDailySlot(tx: DbOrTx, day: string, cap: number, force: boolean): boolean {
    tx.insert(approvalDaily).values({ day, used: 0 }).onConflictDoNothing().run();
    const where = force
      ? eq(approvalDaily.day, day)
      : and(eq(approvalDaily.day, day), sql`${approvalDaily.used} < ${cap}`);
    return (
      tx
        .update(approvalDaily)
        .set({ used: sql`${approvalDaily.used} + 1` })
        .where(where)
        .run().changes === 1
    );
  }

  private giveBackDailySlot(tx: DbOrTx, subjectId: number): void {
    const claim = tx
      .select({ at: approvalTrail.at })
      .from(approvalTrail)
      .where(and(eq(approvalTrail.subjectId, subjectId), eq(approvalTrail.toState, "executing")))
      .orderBy(desc(approvalTrail.id))
      .limit(1)
      .get();
    if (!claim) return;
    tx.update(approvalDaily)
      .set({ used: sql`${approvalDaily.used} - 1` })
      .where(and(eq(approvalDaily.day, claim.at.slice(0, 10)), sql`${approvalDaily.used} > 0`))
      .run();
  }

  /** When the subject last moved into `state` (its trail), if it ever did. */
  enteredAt(subjectId: number, state: SubjectState): string | null {
    return (
      this.db
        .select({ at: approvalTrail.at })
        .from(approvalTrail)
        .where(and(eq(approvalTrail.subjectId, subjectId), eq(approvalTrail.toState, state)))
        .orderBy(desc(approvalTrail.id))
        .limit(1)
        .get()?.at ?? null
    );
  }

  dailyUsed(day: string): number {
    return this.db.select().from(approvalDaily).where(eq(approvalDaily.day, day)).get()?.used ?? 0;
  }

  request(id: number): RequestRow | undefined {
    return this.db.select().from(approvalRequests).where(eq(approvalRequests.id, id)).get();
  }

  subject(id: number): SubjectRow | undefined {
    return this.db.select().from(approvalSubjects).where(eq(approvalSubjects.id, id)).get();
  }

  subjects(requestId: number): SubjectRow[] {
    return this.db
      .select()
      .from(approvalSubjects)
      .where(eq(approvalSubjects.requestId, requestId))
      .orderBy(asc(approvalSubjects.id))
      .all();
  }

  subjectsIn(states: readonly SubjectState[]): SubjectRow[] {
    return this.db
      .select()
      .from(approvalSubjects)
      .where(inArray(approvalSubjects.state, [...states]))
      .orderBy(asc(approvalSubjects.id))
      .all();
  }

  /**
   * The open subject of a Gong user, if any: a real one by default (the one a user may have), or an
   * open dry run (which holds nothing but is not filed twice).
   */
  openFor(userId: string, options: { dryRun?: boolean } = {}): SubjectRow | undefined {
    return this.db
      .select()
      .from(approvalSubjects)
      .where(
        and(
          eq(approvalSubjects.userId, userId),
          inArray(approvalSubjects.state, [...OPEN_STATES]),
          eq(approvalSubjects.dryRun, options.dryRun ?? false),
        ),
      )
      .get();
  }

  /** The latest Keep of a Gong user decided at or after `since` (ISO), if any: the keep cool-down. */
  keptSince(userId: string, since: string): SubjectRow | undefined {
    return this.db
      .select()
      .from(approvalSubjects)
      .where(
        and(
          eq(approvalSubjects.userId, userId),
          eq(approvalSubjects.state, "kept"),
          gte(approvalSubjects.decidedAt, since),
        ),
      )
      .orderBy(desc(approvalSubjects.decidedAt))
      .limit(1)
      .get();
  }

  /** Every Keep decided at or after `since` (ISO), newest first: who is in the keep cool-down. */
  keptAllSince(since: string): SubjectRow[] {
    return this.db
      .select()
      .from(approvalSubjects)
      .where(and(eq(approvalSubjects.state, "kept"), gte(approvalSubjects.decidedAt, since)))
      .orderBy(desc(approvalSubjects.decidedAt))
      .all();
  }

  /** A user's subjects, newest first. */
  subjectsOfUser(userId: string): SubjectRow[] {
    return this.db
      .select()
      .from(approvalSubjects)
      .where(eq(approvalSubjects.userId, userId))
      .orderBy(desc(approvalSubjects.id))
      .all();
  }

  requests(limit = 50): RequestRow[] {
    return this.db.select().from(approvalRequests).orderBy(desc(approvalRequests.id)).limit(limit).all();
  }

  /** Oldest first; `subjectIds`: only those subjects' rows (one person's, say). */
  trail(options: { since?: string; requestId?: number; subjectIds?: readonly number[] } = {}): TrailRow[] {
    const where = [
      options.since ? gte(approvalTrail.at, options.since) : undefined,
      options.requestId !== undefined ? eq(approvalTrail.requestId, options.requestId) : undefined,
      options.subjectIds ? inArray(approvalTrail.subjectId, [...options.subjectIds]) : undefined,
    ].filter(Boolean);
    return this.db
      .select()
      .from(approvalTrail)
      .where(and(...where))
      .orderBy(asc(approvalTrail.id))
      .all();
  }

  /**
   * Every move into `done` or `reactivated`, oldest first, with whether its request was marked a dry run:
   * what the trend counts reclaimed seats from (approvals are small: thousands of rows at most).
   */
  deactivationMoves(): {
    subjectId: number;
    at: string;
    fromState: string | null;
    toState: "done" | "reactivated";
    dryRun: boolean;
  }[] {
    return this.db
      .select({
        subjectId: approvalTrail.subjectId,
        at: approvalTrail.at,
        fromState: approvalTrail.fromState,
        toState: approvalTrail.toState,
        dryRun: approvalRequests.dryRun,
      })
      .from(approvalTrail)
      .innerJoin(approvalRequests, eq(approvalRequests.id, approvalTrail.requestId))
      .where(inArray(approvalTrail.toState, ["done", "reactivated"]))
      .orderBy(asc(approvalTrail.id))
      .all() as ReturnType<ApprovalsRepo["deactivationMoves"]>;
  }

  messages(requestId: number): (typeof approvalMessages.$inferSelect)[] {
    return this.db.select().from(approvalMessages).where(eq(approvalMessages.requestId, requestId)).all();
  }

  saveMessage(m: typeof approvalMessages.$inferInsert): void {
    this.db
      .insert(approvalMessages)
      .values(m)
      .onConflictDoUpdate({
        target: [approvalMessages.requestId, approvalMessages.approverKey, approvalMessages.part],
        set: { channel: m.channel, ts: m.ts, digest: m.digest ?? null },
      })
      .run();
  }
}

/** Who decides on a subject, in words, naming them (every assignment's trail row says this). */
export function approverWords(
  s: Pick<SubjectRow, "approverKind" | "approverName" | "approverSlackId" | "approverReason">,
): string {
  if (s.approverKind === "unassigned") return `approver: not assigned yet (${s.approverReason})`;
  if (s.approverKind === "channel") return `approver: the approvals channel, any admin (${s.approverReason})`;
  return `approver: ${s.approverName ?? "?"} <@${s.approverSlackId}> (${s.approverReason})`;
}
