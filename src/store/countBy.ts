import { count, type SQL } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Db } from "./db.js";

/** How many rows of `table` hold each value of `column` (for metrics and status lines). */
export function countBy(db: Db, table: SQLiteTable, column: SQLiteColumn | SQL): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of db.select({ value: column, n: count() }).from(table).groupBy(column).all())
    out[String(r.value)] = r.n;
  return out;
}
