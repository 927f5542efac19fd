import { PNG } from "pngjs";
import { afterEach, describe, expect, it } from "vitest";
import { type ChartData, chartAltText, trendSpec } from "../../src/trend/chart.js";
import { CHART_FONT, renderPng } from "../../src/trend/png.js";

/**
 * The chart as a picture: a PNG that decodes at 1600 × 800, drawn from exactly the data it was given,
 * with its text in the shipped font, the same bytes whatever the machine's time zone (the CI runs in a
 * DST change), and a plain "not enough history" below two days.
 */
const DAY = 86_400_000;

function data(days: number, start = Date.UTC(2027, 2, 10)): ChartData {
  const points = Array.from({ length: days }, (_, i) => {
    const inactive = 120 - Math.floor(i / 3) + (i % 4);
    return {
      day: new Date(start + i * DAY).toISOString().slice(0, 10),
      inactive,
      active: 500 - Math.floor(i / 7),
      cost: inactive * 1440,
    };
  });
  return {
    points,
    weeks: [
      { week: "2027-03-15", deactivated: 4 },
      { week: "2027-03-29", deactivated: 2 },
    ],
    reclaimed: { seats: 6, cost: 8640 },
    currency: "USD",
    days: 180,
    today: points.at(-1)?.day ?? "2027-03-10",
  };
}

/** Dark pixels (text, lines) in a band of rows: the title's band is empty when no font drew it. */
function darkPixels(png: Buffer, fromRow: number, toRow: number): number {
  const image = PNG.sync.read(png);
  let n = 0;
  for (let y = fromRow; y < toRow; y++)
    for (let x = 0; x < image.width; x++) {
      const i = (y * image.width + x) * 4;
      if (image.data[i]! < 80 && image.data[i + 1]! < 80 && image.data[i + 2]! < 80) n++;
    }
  return n;
}

const savedTz = process.env.TZ;
afterEach(() => {
  // Assigning undefined would set the string "undefined".
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

describe("the trend chart", () => {
  it("is a PNG of 1600 × 800 (800 × 400 at 2×) that decodes, with its title drawn in the shipped font", async () => {
    const chart = await renderPng(trendSpec(data(40)));
    expect(chart.png.subarray(1, 4).toString("latin1")).toBe("PNG");
    const image = PNG.sync.read(chart.png);
    expect([image.width, image.height]).toEqual([1600, 800]);
    expect([chart.width, chart.height]).toEqual([1600, 800]);
    expect(chart.svg).toContain(`font-family="${CHART_FONT}`);
    // The title's rows hold text; the system's fonts are never consulted, so this is the shipped one.
    expect(darkPixels(chart.png, 60, 150)).toBeGreaterThan(2000);
  }, 60_000);

  it("draws exactly the points and weeks it was given, with the reclaimed total in the title", () => {
    const d = data(30);
    const spec = trendSpec(d) as unknown as {
      datasets: { points: unknown[]; weeks: { week: string; deactivated: number }[] };
      title: { text: string; subtitle: string[] };
    };
    expect(spec.datasets.points).toEqual(d.points);
    expect(spec.datasets.weeks.map((w) => ({ week: w.week, deactivated: w.deactivated }))).toEqual(d.weeks);
    expect(spec.title.text).toBe("Unused Gong seats · reclaimed so far: 6 seats, $8,640 a year");
    expect(spec.title.subtitle[0]).toBe("2027-04-08: 112 inactive of 496 active users, $161,280 a year");
  });

  it("is byte for byte the same in any time zone, across DST changes", async () => {
    // 2027-03-14 (US) and 2027-03-28 (EU) are in the range.
    const d = data(40);
    process.env.TZ = "UTC";
    const utc = await renderPng(trendSpec(d));
    process.env.TZ = "America/New_York";
    const ny = await renderPng(trendSpec(d));
    process.env.TZ = "Australia/Lord_Howe"; // a half-hour DST shift
    const lh = await renderPng(trendSpec(d));
    expect(ny.png.equals(utc.png)).toBe(true);
    expect(lh.png.equals(utc.png)).toBe(true);
  }, 60_000);

  it("says so with fewer than two days of history, and still draws with none", async () => {
    const one = await renderPng(trendSpec(data(1)));
    expect(one.svg).toContain("Not enough history yet");
    expect(one.svg).toContain("The trend needs audits on two different days");
    const none = await renderPng(trendSpec({ ...data(0), today: "2028-02-29" }));
    expect(none.svg).toContain("No audit yet");
    expect(PNG.sync.read(none.png).width).toBe(1600);
    const two = await renderPng(trendSpec(data(2)));
    expect(two.svg).not.toContain("Not enough history yet");
  }, 60_000);

  it("alt text carries the numbers", () => {
    expect(chartAltText(data(30))).toBe(
      "Chart of inactive Gong seats; from 2027-03-10 to 2027-04-08: 120 to 112 (-8) of 496 active users; " +
        "yearly cost $172,800 to $161,280; 6 deactivations finished in the period; reclaimed so far: 6 seats, $8,640 a year.",
    );
  });
});
