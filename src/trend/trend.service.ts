import { type Clock, utcDay } from "../clock.js";
import type { Logger } from "../log.js";
import type { ApprovalsRepo } from "../store/approvals.repo.js";
import type { AuditsRepo } from "../store/audits.repo.js";
import type { DirectoryRepo } from "../store/directory.repo.js";
import type { TrendChartRow, TrendPointRow, TrendRepo } from "../store/trend.repo.js";
import { type ChartData, chartAltText, trendSpec } from "./chart.js";
import { renderPng } from "./png.js";
import { deactivationsPerWeek, reclaimedAt, reclaimedSeats } from "./reclaimed.js";
import { sparkline } from "./sparkline.js";

/**
 * The trend of unused seats: every finished audit run keeps its figures (trend_points), the seats
 * reclaimed by finished deactivations come from the approvals trail, and the chart, the sparkline and
 * `gongops trend` are drawn from both. Knows nothing of Slack or the terminal.
 */
export interface TrendSettings {
  /** GONGOPS_SEAT_PRICE_PER_YEAR (null: no costs anywhere) and GONGOPS_CURRENCY. */
  seatPricePerYear: number | null;
  currency: string;
}

export interface TrendServiceDeps {
  trend: TrendRepo;
  approvals: ApprovalsRepo;
  audits: AuditsRepo;
  directory: DirectoryRepo;
  settings: TrendSettings;
  clock: Pick<Clock, "now">;
  log: Logger;
  /** Leavers known when a run finishes (leavers/); null before any leavers check. */
  leavers?: () => number | null;
}

/** One point as `gongops trend --json` lists it (one per audit run). */
export interface TrendPoint {
  day: string;
  inactive: number;
  active: number;
  cost: number | null;
  reclaimedSeats: number;
  reclaimedCost: number | null;
}

export interface TrendChart {
  png: Buffer;
  width: number;
  height: number;
  altText: string;
  /** What the picture draws (one point per day), for the tests and `--format png`'s caller. */
  data: ChartData;
}

const DAY_MS = 86_400_000;

/** How far back the digest's chart and the terminal's sparkline look (`gongops trend --days` too). */
export const TREND_DAYS = 180;

export class TrendService {
  constructor(private readonly deps: TrendServiceDeps) {}

  /**
   * Keeps a finished run's figures, once (a second call for the same run changes nothing). Never
   * throws: the trend must not fail an audit; a run it missed is picked up by the next read.
   */
  record(runId: number): void {
    try {
      this.recordOrThrow(runId);
    } catch (error) {
      this.deps.log.warn("could not keep the audit's figures for the trend", { run: runId, err: error });
    }
  }

  private recordOrThrow(runId: number): void {
    const { audits, directory, trend, settings } = this.deps;
    const run = audits.get(runId);
    if (run?.status !== "succeeded" || !run.finishedAt) return;
    const at = Date.parse(run.finishedAt);
    const price = settings.seatPricePerYear;
    const reclaimed = reclaimedAt(reclaimedSeats(this.deps.approvals.deactivationMoves()), at);
    trend.add({
      auditRunId: run.id,
      at: run.finishedAt,
      day: utcDay(at),
      trigger: run.trigger,
      lookbackDays: run.lookbackDays,
      rule: run.activityRule,
      activeUsers: directory.activeCount(run.snapshotGen),
      inactive: run.inactive,
      leavers: this.deps.leavers?.() ?? null,
      setAside: run.exempt,
      seatPrice: price,
      currency: settings.currency,
      yearlyCost: price === null ? null : run.inactive * price,
      reclaimedSeats: reclaimed,
      reclaimedCost: price === null ? null : reclaimed * price,
    });
  }

  /** Runs that finished without a point (before the trend existed, or a record that failed). */
  catchUp(): void {
    for (const id of this.deps.trend.unrecordedRuns()) this.record(id);
  }

  /** Every run of the last `days` days (by UTC day, today included), oldest first. */
  history(days: number): TrendPointRow[] {
    this.catchUp();
    return this.deps.trend.since(utcDay(this.deps.clock.now() - (days - 1) * DAY_MS));
  }

  /** The `--json` shape of a stored point. */
  static point(row: TrendPointRow): TrendPoint {
    return {
      day: row.day,
      inactive: row.inactive,
      active: row.activeUsers,
      cost: row.yearlyCost,
      reclaimedSeats: row.reclaimedSeats,
      reclaimedCost: row.reclaimedCost,
    };
  }

  /** Each day's last run, oldest first: what the chart and the sparkline draw. */
  static daily(rows: readonly TrendPointRow[]): TrendPointRow[] {
    const byDay = new Map<string, TrendPointRow>();
    for (const r of rows) byDay.set(r.day, r); // rows come oldest first: the last one wins
    return [...byDay.values()];
  }

  /** Seats reclaimed now (net of reactivations), and their yearly cost at today's price. */
  reclaimed(): { seats: number; cost: number | null; currency: string } {
    const seats = reclaimedAt(reclaimedSeats(this.deps.approvals.deactivationMoves()), this.deps.clock.now());
    const price = this.deps.settings.seatPricePerYear;
    return { seats, cost: price === null ? null : seats * price, currency: this.deps.settings.currency };
  }

  /** What the chart of the last `days` days draws. */
  chartData(days: number): ChartData {
    const rows = TrendService.daily(this.history(days));
    const now = this.deps.clock.now();
    const from = rows[0] ? Date.parse(`${rows[0].day}T00:00:00Z`) : now - (days - 1) * DAY_MS;
    return {
      points: rows.map((r) => ({
        day: r.day,
        inactive: r.inactive,
        active: r.activeUsers,
        cost: r.yearlyCost,
      })),
      weeks: deactivationsPerWeek(reclaimedSeats(this.deps.approvals.deactivationMoves()), from),
      reclaimed: this.reclaimed(),
      currency: this.deps.settings.currency,
      days,
      today: utcDay(now),
    };
  }

  async chart(days: number): Promise<TrendChart> {
    const data = this.chartData(days);
    const { png, width, height } = await renderPng(trendSpec(data));
    return { png, width, height, altText: chartAltText(data), data };
  }

  /** "▇▇▆▅▃▂ 180 → 142 inactive (30 days)" for the terminal, or null with fewer than two days. */
  sparkline(days: number): string | null {
    const rows = TrendService.daily(this.history(days));
    if (rows.length < 2) return null;
    const first = rows[0]!;
    const last = rows.at(-1)!;
    return `${sparkline(rows.map((r) => r.inactive))} ${first.inactive} → ${last.inactive} inactive since ${first.day}`;
  }

  chartUploaded(chart: { fileId: string; channel: string; threadTs: string | null; altText: string }): void {
    this.deps.trend.addChart({ ...chart, uploadedAt: new Date(this.deps.clock.now()) });
  }

  latestChart(): TrendChartRow | null {
    return this.deps.trend.latestChart() ?? null;
  }
}
