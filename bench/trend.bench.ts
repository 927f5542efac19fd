/**
 * npm run bench:trend: how long the trend chart takes to draw, for a year of daily points (365) with a
 * deactivation mark every week, at 1600 × 800 (the size the digest uploads). Target: under 1 s per chart.
 *
 * Reports the first chart of the process (it loads Vega, Vega-Lite and resvg) apart from the next ones,
 * and splits each into the layout to SVG (Vega, on the event loop) and the rasterizing (resvg, on a
 * worker thread), with the longest event-loop stall seen while drawing: what a Slack app drawing a
 * digest's chart makes other requests wait.
 *
 * Why Vega-Lite and not ECharts (measured once, side by side, each installed alone with resvg, the same
 * 365-point chart with two y axes and weekly bars, 5 warm renders at 2×): ECharts 6.1 SSR to SVG took
 * 18–47 ms and Vega 6.4 + Vega-Lite 6.5 48–76 ms, resvg 175–258 ms either way, so the picture costs the
 * same; but ECharts installs 67 MB (its dist/ bundles) against 25 MB, and takes ~550 ms to import against
 * ~200 ms. Vega-Lite also keeps the chart a small declarative spec whose data a test can compare.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { type ChartData, trendSpec } from "../src/trend/chart.js";
import { renderPng } from "../src/trend/png.js";

const POINTS = 365;
const RUNS = Number(process.argv.find((a) => a.startsWith("--runs="))?.slice(7) ?? 10);
const DAY = 86_400_000;

function yearOfPoints(): ChartData {
  const start = Date.UTC(2027, 0, 1);
  let inactive = 240;
  const points = Array.from({ length: POINTS }, (_, i) => {
    inactive = Math.max(30, inactive + Math.round(Math.sin(i / 6) * 3) - (i % 7 === 0 ? 3 : 0));
    return {
      day: new Date(start + i * DAY).toISOString().slice(0, 10),
      inactive,
      active: 1200,
      cost: inactive * 1440,
    };
  });
  const weeks = Array.from({ length: 52 }, (_, w) => ({
    week: new Date(start + (w * 7 + 3) * DAY).toISOString().slice(0, 10),
    deactivated: 1 + (w % 5),
  }));
  return {
    points,
    weeks,
    reclaimed: { seats: 156, cost: 224_640 },
    currency: "USD",
    days: 365,
    today: points.at(-1)!.day,
  };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function draw(data: ChartData) {
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  const t = performance.now();
  const chart = await renderPng(trendSpec(data));
  const total = performance.now() - t;
  lag.disable();
  return {
    total,
    svg: chart.ms.svg,
    png: chart.ms.png,
    stall: lag.max / 1e6,
    bytes: chart.png.length,
    size: `${chart.width}×${chart.height}`,
  };
}

const data = yearOfPoints();
const first = await draw(data);
const rest = [];
for (let i = 0; i < RUNS; i++) rest.push(await draw(data));
const row = (label: string, xs: (typeof first)[]) => {
  const pick = (k: "total" | "svg" | "png" | "stall") => xs.map((x) => x[k]).sort((a, b) => a - b);
  return {
    charts: label,
    points: POINTS,
    size: xs[0]!.size,
    "PNG KiB": Math.round(xs[0]!.bytes / 1024),
    "total ms (p50)": percentile(pick("total"), 50).toFixed(0),
    "total ms (max)": pick("total").at(-1)!.toFixed(0),
    "Vega → SVG ms (p50)": percentile(pick("svg"), 50).toFixed(0),
    "resvg → PNG ms (p50)": percentile(pick("png"), 50).toFixed(0),
    "longest event-loop stall ms": pick("stall").at(-1)!.toFixed(0),
    "under 1 s": pick("total").at(-1)! < 1000,
  };
};
console.table([row("first (loads the libraries)", [first]), row(`next ${RUNS}`, rest)]);
