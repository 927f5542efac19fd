import { and, asc, desc, eq, gte, notInArray } from "drizzle-orm";
import type { Db } from "./db.js";
import { auditRuns, trendCharts, trendPoints } from "./schema.js";

/** The trend's history (one row per finished audit run) and the charts uploaded to Slack. */
export type TrendPointRow = typeof trendPoints.$inferSelect;
export type NewTrendPoint = Omit<typeof trendPoints.$inferInsert, "id">;
export type TrendChartRow = typeof trendCharts.$inferSelect;

export class TrendRepo {
  constructor(private readonly db: Db) {}

  /** Keeps a run's figures once: a second record of the same run changes nothing. */
  add(point: NewTrendPoint): void {
    this.db.insert(trendPoints).values(point).onConflictDoNothing().run();
  }

  /** Every point from `fromDay` (YYYY-MM-DD, inclusive), oldest first. */
  since(fromDay: string): TrendPointRow[] {
    return this.db
      .select()
      .from(trendPoints)
      .where(gte(trendPoints.day, fromDay))
      .orderBy(asc(trendPoints.at), asc(trendPoints.id))
      .all();
  }

  latest(): TrendPointRow | undefined {
    return this.db.select().from(trendPoints).orderBy(desc(trendPoints.at), desc(trendPoints.id)).get();
  }

  /** Finished audit runs without a point yet (runs from before the trend existed, or a failed record). */
  unrecordedRuns(): number[] {
    const recorded = this.db.select({ id: trendPoints.auditRunId }).from(trendPoints);
    return this.db
      .select({ id: auditRuns.id })
      .from(auditRuns)
      .where(and(eq(auditRuns.status, "succeeded"), notInArray(auditRuns.id, recorded)))
      .orderBy(asc(auditRuns.id))
      .all()
      .map((r) => r.id);
  }

  addChart(chart: Omit<typeof trendCharts.$inferInsert, "id">): void {
    this.db.insert(trendCharts).values(chart).run();
  }

  latestChart(): TrendChartRow | undefined {
    return this.db.select().from(trendCharts).orderBy(desc(trendCharts.id)).get();
  }
}
