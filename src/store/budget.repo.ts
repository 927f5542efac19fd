import { and, eq, sql } from "drizzle-orm";
import type { DailyBudgetStore } from "../gong/limiter.js";
import type { Db } from "./db.js";
import { gongBudget } from "./schema.js";

/** The Gong daily budget, counted in SQLite so that a restart does not reset it. */
export class SqliteBudgetStore implements DailyBudgetStore {
  constructor(private readonly db: Db) {}

  used(scope: string, day: string): number {
    const row = this.db
      .select({ used: gongBudget.used })
      .from(gongBudget)
      .where(and(eq(gongBudget.scope, scope), eq(gongBudget.day, day)))
      .get();
    return row?.used ?? 0;
  }

  add(scope: string, day: string, n: number): number {
    const row = this.db
      .insert(gongBudget)
      .values({ scope, day, used: n })
      .onConflictDoUpdate({
        target: [gongBudget.scope, gongBudget.day],
        set: { used: sql`${gongBudget.used} + ${n}` },
      })
      .returning({ used: gongBudget.used })
      .get();
    return row.used;
  }
}
