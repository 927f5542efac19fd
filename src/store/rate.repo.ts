import { and, count, eq, gt, lte, min, sql } from "drizzle-orm";
import { MAX_SLACK_MS, type RateWindowStore } from "../gong/limiter.js";
import { type Db, writeTransaction } from "./db.js";
import { gongRateWindow } from "./schema.js";

/**
 * The Gong per-second window in SQLite, so that every process on one database (the Slack app, a cron
 * `gongops sync`) shares it, as they already share the daily budget. A claim is one short
 * `BEGIN IMMEDIATE` transaction: prune, count, insert if there is room. IMMEDIATE takes the write lock
 * before the read, so two processes cannot both count the same free slot, and a busy database waits
 * (busy_timeout) instead of failing the upgrade from a read lock. Statements are prepared once: the
 * claim runs before every Gong request.
 */
export class SqliteRateWindow implements RateWindowStore {
  private readonly claimTx: RateWindowStore["claim"];

  constructor(db: Db) {
    const scope = sql.placeholder("scope");
    const prune = db
      .delete(gongRateWindow)
      .where(and(eq(gongRateWindow.scope, scope), lte(gongRateWindow.until, sql.placeholder("before"))))
      .prepare();
    const occupied = db
      .select({
        n: count(),
        first: min(gongRateWindow.until),
        hold: sql<number | null>`max(${gongRateWindow.until} - ${gongRateWindow.startedAt})`,
      })
      .from(gongRateWindow)
      .where(and(eq(gongRateWindow.scope, scope), gt(gongRateWindow.until, sql.placeholder("after"))))
      .prepare();
    const insert = db
      .insert(gongRateWindow)
      .values({ scope, startedAt: sql.placeholder("now"), until: sql.placeholder("until") })
      .prepare();
    this.claimTx = writeTransaction(
      db.$client,
      (s: string, now: number, holdMs: number, limit: number, slackMs: number): number => {
        // Rows are kept MAX_SLACK_MS past their end: another process may count them for that long.
        prune.run({ scope: s, before: now - MAX_SLACK_MS });
        const row = occupied.get({ scope: s, after: now - slackMs });
        if ((row?.n ?? 0) < limit) {
          // A longer hold still in the window (a margin widened elsewhere after a 429) applies here too.
          insert.run({ scope: s, now, until: Math.ceil(now + Math.max(holdMs, row?.hold ?? 0)) });
          return 0;
        }
        return Math.max(1, (row?.first ?? now) + slackMs - now);
      },
    );
  }

  claim(scope: string, now: number, holdMs: number, limit: number, slackMs: number): number {
    return this.claimTx(scope, now, holdMs, limit, slackMs);
  }
}
