import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { afterAll, describe, expect, it } from "vitest";
import { SimOrg } from "../../src/sim/org.js";
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

  it("as text: the leavers of its org and what their seats cost; it ends with the reclaimed total and the chart's path", async () => {
    const r = await cli(["demo", "--users", "150", "--latency", "0", "--out", dir], {});
    expect(r.code, r.stderr).toBe(0);
    // Who left the demo's org (the same seed, the same org) and is still active in Gong: the leavers.
    const org = SimOrg.generate({ users: 150, seed: 1 });
    const n = org.users().filter((u) => u.active && org.leftAt(u.id) !== null).length;
    expect(n).toBeGreaterThan(1);
    expect(r.stdout).toMatch(
      new RegExp(
        `Leavers: ${n} people who left the company still hold a Gong seat — \\$${(n * 1200).toLocaleString("en-US")} a year \\(checked .* UTC against Slack\\):`,
      ),
    );
    expect(r.stdout).toMatch(
      /Found with \d+ users\.list pages? from the simulated Slack workspace, 0 Gong requests/,
    );
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
