import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { afterAll, describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";

/** `gongops demo` ends with the seats its deactivations reclaimed and writes trend.png where it says. */
const dir = mkdtempSync(join(tmpdir(), "gongops-demo-trend-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("gongops demo's trend", () => {
  it("--json: the reclaimed seats are the deactivations that finished, and trend.png is the chart", async () => {
    const r = await cli(["demo", "--users", "150", "--latency", "0", "--out", dir, "--json"], {});
    expect(r.code, r.stderr).toBe(0);
    const { approval, trend } = r.json().demo;
    const done = approval.subjects.filter((s: { state: string }) => s.state === "done").length;
    expect(done).toBeGreaterThan(0);
    expect(trend).toMatchObject({
      reclaimedSeats: done,
      reclaimedCost: done * 1200,
      chart: join(dir, "trend.png"),
    });
    const image = PNG.sync.read(readFileSync(trend.chart));
    expect([image.width, image.height]).toEqual([1600, 800]);
  }, 120_000);

  it("as text: the demo ends with the reclaimed total and the chart's path", async () => {
    const r = await cli(["demo", "--users", "150", "--latency", "0", "--out", dir], {});
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /\nReclaimed so far: 3 seats, \$3,600 a year \(at a demo seat price of \$1,200 a year\)\.\nThe trend chart a digest uploads to Slack: .*trend\.png\n$/,
    );
  }, 120_000);

  it("--out must be a folder gongops can write to: exit 2 before anything starts", async () => {
    const r = await cli(["demo", "--out", join(dir, "missing"), "--json"], {});
    expect(r.code).toBe(2);
    expect(r.json().error.message).toMatch(/--out must be a folder gongops can write to/);
  });
});
