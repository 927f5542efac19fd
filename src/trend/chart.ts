import type { TopLevelSpec } from "vega-lite";
import { money } from "../digest/digest.js";
import { CHART_FONT } from "./png.js";

/**
 * The trend chart as a Vega-Lite spec (pure: data in, spec out; png.ts draws it). Inactive seats per day
 * as a line on the left axis, what they cost a year as a shaded area on the right axis (aligned, so the
 * area's edge is the line while the price holds), each week's finished deactivations as green bars along
 * the bottom, and the reclaimed total in the title. The data it draws is in `spec.datasets`, exactly as
 * given, so a test can compare it with the stored history.
 */
export interface ChartPoint {
  day: string;
  inactive: number;
  active: number;
  /** Yearly cost of the inactive seats; null without GONGOPS_SEAT_PRICE_PER_YEAR. */
  cost: number | null;
}

export interface ChartData {
  /** One point per UTC day (that day's last audit), oldest first. */
  points: ChartPoint[];
  /** Finished deactivations per week (the week's Monday, UTC) within the range. */
  weeks: { week: string; deactivated: number }[];
  reclaimed: { seats: number; cost: number | null };
  currency: string;
  /** The look-back the chart was asked for, in days, and today (UTC). */
  days: number;
  today: string;
}

/** Logical size; png.ts renders it at 2× (1600 × 800 pixels). */
export const CHART_WIDTH = 800;
export const CHART_HEIGHT = 400;

const BLUE = "#1f5fbf";
const AMBER = "#e8a33d";
const GREEN = "#2e9e5b";
const DAY_MS = 86_400_000;

function addDays(day: string, n: number): string {
  return new Date(Date.parse(day) + n * DAY_MS).toISOString().slice(0, 10);
}

/** A round axis top a little above `max` (1, 2, 2.5 or 5 times a power of ten). */
export function niceMax(max: number): number {
  if (max <= 0) return 10;
  const target = max * 1.12;
  const step = 10 ** Math.floor(Math.log10(target));
  const nice = [1, 2, 2.5, 5, 10].find((m) => m * step >= target)!;
  return nice * step;
}

/** "12 seats, $17,280 a year" (or "none yet"). */
export function reclaimedText(d: Pick<ChartData, "reclaimed" | "currency">): string {
  const { seats, cost } = d.reclaimed;
  if (seats === 0) return "none yet";
  return `${seats} seat${seats === 1 ? "" : "s"}${cost !== null ? `, ${money(cost, d.currency)} a year` : ""}`;
}

/** The numbers behind the picture, for Slack's alt text and screen readers (at most ~400 characters). */
export function chartAltText(d: ChartData): string {
  const first = d.points[0];
  const last = d.points.at(-1);
  const parts = ["Chart of inactive Gong seats"];
  if (!first || !last) parts.push("with no audit yet");
  else if (first === last) parts.push(`on ${last.day}: ${last.inactive} of ${last.active} active users`);
  else {
    const change = last.inactive - first.inactive;
    parts.push(
      `from ${first.day} to ${last.day}: ${first.inactive} to ${last.inactive} (${change > 0 ? "+" : ""}${change}) of ${last.active} active users`,
    );
  }
  if (last?.cost != null)
    parts.push(
      `yearly cost ${first?.cost != null && first !== last ? `${money(first.cost, d.currency)} to ` : ""}${money(last.cost, d.currency)}`,
    );
  const deactivated = d.weeks.reduce((n, w) => n + w.deactivated, 0);
  parts.push(`${deactivated} deactivation${deactivated === 1 ? "" : "s"} finished in the period`);
  parts.push(`reclaimed so far: ${reclaimedText(d)}`);
  return `${parts.join("; ")}.`;
}

/** What d3-format's "$" means in this currency: its symbol, before or after the number. */
function currencyAffixes(currency: string): [string, string] {
  try {
    const parts = new Intl.NumberFormat("en-US", { style: "currency", currency }).formatToParts(1);
    const at = parts.findIndex((p) => p.type === "currency");
    const symbol = parts[at]!.value;
    return at === 0 ? [symbol, ""] : ["", `\u00a0${symbol}`];
  } catch {
    return ["", ` ${currency}`];
  }
}

export function trendSpec(d: ChartData): TopLevelSpec {
  const points = d.points;
  const enough = new Set(points.map((p) => p.day)).size >= 2;
  const firstDay = points[0]?.day ?? addDays(d.today, -6);
  const lastDay = points.at(-1)?.day ?? d.today;
  // Pad a lone point so it sits in the middle rather than on an edge; a week's bar stands on its Monday,
  // which may come before the first point (the range starts there then).
  const padded = points.length <= 1 ? addDays(firstDay, -3) : firstDay;
  const from = [padded, ...d.weeks.map((w) => w.week)].sort()[0]!;
  const to = points.length <= 1 ? addDays(lastDay, 3) : lastDay;
  const weeks = d.weeks
    .filter((w) => w.week <= to)
    .map((w) => ({ ...w, at: w.week, label: `−${w.deactivated}` }));
  const seatsTop = niceMax(Math.max(0, ...points.map((p) => p.inactive)));
  const priced = points.some((p) => p.cost !== null);
  const perSeat = Math.max(
    0,
    ...points.map((p) => (p.cost !== null && p.inactive > 0 ? p.cost / p.inactive : 0)),
  );
  // The cost axis is the seat axis times the latest price, unless an older price made the cost higher.
  const costTop = Math.max(seatsTop * perSeat, ...points.map((p) => p.cost ?? 0)) || 1;
  const weeksTop = Math.max(1, ...weeks.map((w) => w.deactivated)) * 4;
  const x = {
    field: "day",
    type: "temporal" as const,
    // Half a day either side, so the first and last marks are not cut by the axes.
    scale: { type: "utc" as const, domain: [Date.parse(from) - DAY_MS / 2, Date.parse(to) + DAY_MS / 2] },
    axis: { title: null, format: "%b %-d", labelFlush: true, grid: false, tickCount: 8 },
  };
  const last = points.at(-1);
  const [prefix, suffix] = currencyAffixes(d.currency);
  const title = `Unused Gong seats · reclaimed so far: ${reclaimedText(d)}`;
  const now = last
    ? `${last.day}: ${last.inactive} inactive of ${last.active} active users${last.cost !== null ? `, ${money(last.cost, d.currency)} a year` : ""}`
    : "No audit yet";
  // The bars have their own scale (a quarter of the height at most): the count above each is the number.
  const weekly = "green bars: deactivations finished each week, counted above each bar";
  const subtitle = [
    now,
    enough
      ? `Each day's last audit since ${firstDay}${priced ? " · shaded: yearly cost" : ""} · ${weekly}`
      : `The trend needs audits on two different days · ${weekly}`,
  ];
  // A fixed layout: Vega can only estimate text widths headless (it has no font metrics), so letting it
  // fit the plot to its estimates made the plot half as wide as the picture.
  const pad = { top: 92, left: 76, right: priced ? 92 : 28, bottom: 36 };
  const plotWidth = CHART_WIDTH - pad.left - pad.right;
  // Bars as wide as half a week; their "−4" labels only where weeks are far enough apart to read them.
  const pxPerWeek = (plotWidth * 7) / ((Date.parse(to) - Date.parse(from)) / DAY_MS + 1);
  const barWidth = Math.max(2, Math.min(12, Math.round(pxPerWeek / 2)));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: plotWidth,
    height: CHART_HEIGHT - pad.top - pad.bottom,
    autosize: { type: "none" },
    padding: pad,
    background: "#ffffff",
    title: { text: title, subtitle },
    // Copies: Vega tags the rows it reads (a symbol id), and the caller keeps its data as it was.
    datasets: { points: points.map((p) => ({ ...p })) as never, weeks: weeks as never },
    config: {
      font: CHART_FONT,
      locale: { number: { decimal: ".", thousands: ",", grouping: [3], currency: [prefix, suffix] } },
      title: {
        anchor: "start",
        fontSize: 20,
        fontWeight: "bold",
        color: "#1d1d1f",
        subtitleFontSize: 14,
        subtitleColor: "#555555",
        offset: 14,
      },
      axis: { labelFontSize: 14, titleFontSize: 14, titleFontWeight: "normal", labelColor: "#333333" },
      view: { stroke: null },
    },
    layer: [
      ...(priced
        ? [
            {
              data: { name: "points" },
              mark: {
                type: "area" as const,
                color: AMBER,
                opacity: 0.22,
                line: { color: AMBER, strokeWidth: 1 },
              },
              encoding: {
                x,
                y: {
                  field: "cost",
                  type: "quantitative" as const,
                  scale: { domain: [0, costTop], nice: false },
                  axis: {
                    orient: "right" as const,
                    title: `Yearly cost (${d.currency})`,
                    // "$60k" rather than "$60,000": the axis has room for about six characters.
                    format: costTop >= 10_000 ? "$.3~s" : "$,.0f",
                    grid: false,
                    tickCount: 5,
                  },
                },
              },
            },
          ]
        : []),
      {
        data: { name: "weeks" },
        layer: [
          { mark: { type: "bar" as const, color: GREEN, width: barWidth, cornerRadiusEnd: 2 } },
          ...(pxPerWeek >= 20
            ? [
                {
                  mark: {
                    type: "text" as const,
                    color: GREEN,
                    dy: -9,
                    fontSize: 12,
                    fontWeight: "bold" as const,
                  },
                  encoding: { text: { field: "label" } },
                },
              ]
            : []),
        ],
        encoding: {
          x: { ...x, field: "at" },
          y: {
            field: "deactivated",
            type: "quantitative" as const,
            scale: { domain: [0, weeksTop], nice: false },
            axis: null,
          },
        },
      },
      {
        data: { name: "points" },
        layer: [
          {
            mark: {
              type: "line" as const,
              color: BLUE,
              strokeWidth: 3,
              point: { filled: true, size: points.length > 60 ? 0 : 60, color: BLUE },
            },
          },
        ],
        encoding: {
          x,
          y: {
            field: "inactive",
            type: "quantitative" as const,
            scale: { domain: [0, seatsTop], nice: false },
            axis: { orient: "left" as const, title: "Inactive seats", tickCount: 5, gridColor: "#e6e6e6" },
          },
        },
      },
      ...(enough
        ? []
        : [
            {
              data: { values: [{ text: points.length === 0 ? "No audit yet" : "Not enough history yet" }] },
              mark: {
                type: "text" as const,
                fontSize: 22,
                color: "#888888",
                fontWeight: "bold" as const,
              },
              encoding: {
                text: { field: "text" },
                x: { value: CHART_WIDTH / 2 },
                y: { value: CHART_HEIGHT / 3 },
              },
            },
          ]),
    ],
    resolve: { scale: { y: "independent" } },
  } as TopLevelSpec;
}
