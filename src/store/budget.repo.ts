import { and, eq, sql } from "drizzle-orm";
import type { DailyBudgetStore } from "../gong/limiter.js";
import type { Db } from "./db.js";
import { gongBudget } from "./schema.js";

/**
 * The Gong daily budget, counted in SQLite so that a restart does not reset it. Both statements run
 * before every Gong request, so they are prepared once (building them each time cost ~150 µs).
 */
export class SqliteBudgetStore implements DailyBudgetStore {
  private readonly usedStmt;
  private readonly addStmt;

  constructor(db: Db) {
    const scope = sql.placeholder("scope");
    const day = sql.placeholder("day");
    this.usedStmt = db
      .select({ used: gongBudget.used })
      .from(gongBudget)
      .where(and(eq(gongBudget.scope, scope), eq(gongBudget.day, day)))
      .prepare();
    this.addStmt = db
      .insert(gongBudget)
      .values({ scope, day, used: sql.placeholder("n") })
      .onConflictDoUpdate({
        target: [gongBudget.scope, gongBudget.day],
        set: { used: sql`${gongBudget.used} + ${sql.placeholder("n")}` },
      })
      .returning({ used: gongBudget.used })
      .prepare();
  }

  used(scope: string, day: string): number {
    return this.usedStmt.get({ scope, day })?.used ?? 0;
  }

  add(scope: string, day: string, n: number): number {
    return this.addStmt.get({ scope, day, n })!.used;
  }
}
