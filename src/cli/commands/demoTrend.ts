import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AppContext } from "../../context.js";
import { reclaimedText } from "../../trend/chart.js";
import { TREND_DAYS } from "../../trend/trend.service.js";

/**
 * The end of `gongops demo`: the seats the demo's deactivations reclaimed (net of its undo, with
 * --via okta|entra), and the trend chart a digest would upload, written as trend.png in `dir`.
 */
export async function demoTrend(
  ctx: AppContext,
  dir: string,
): Promise<{ reclaimedSeats: number; reclaimedCost: number | null; reclaimed: string; chart: string }> {
  const reclaimed = ctx.trend.reclaimed();
  const chart = await ctx.trend.chart(TREND_DAYS);
  const path = join(dir, "trend.png");
  writeFileSync(path, chart.png);
  return {
    reclaimedSeats: reclaimed.seats,
    reclaimedCost: reclaimed.cost,
    reclaimed: reclaimedText({ reclaimed, currency: reclaimed.currency }),
    chart: path,
  };
}
