import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimOrg } from "../../src/sim/org.js";
import type { GongSim } from "../../src/sim/server.js";
import { type FakeFile, FakeSlack } from "../helpers/fakeSlack.js";
import { startSim } from "../helpers/gong.js";
import { listeningPort, oneJson, runGongops, spawnGongops } from "../helpers/process.js";

/**
 * The trend as people meet it, in real processes: `gongops start` posts two scheduled digests with four
 * users deactivated in Gong in between; the second digest's thread holds the chart (the fake Slack kept
 * the bytes), `gongops trend --json` lists both runs, and `--format png --out` writes the chart.
 */
let sim: GongSim;
let fake: FakeSlack;
let dir: string;
const CHANNEL = "C555";

beforeAll(async () => {
  sim = await startSim({ org: SimOrg.generate({ users: 80, seed: 61 }) });
  fake = await FakeSlack.start();
  dir = mkdtempSync(join(tmpdir(), "gongops-trend-"));
});
afterAll(async () => {
  await fake.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = {
  get all(): Record<string, string> {
    return {
      ...sim.env(),
      GONGOPS_DB_PATH: join(dir, "g.db"),
      GONG_MAX_RPS: "10000",
      GONG_DAILY_QUOTA: "1000000",
      GONGOPS_SEAT_PRICE_PER_YEAR: "1200",
      GONGOPS_AUDIT_ACTIVITY: "hosted",
      SLACK_BOT_TOKEN: "xoxb-test-token",
      SLACK_SIGNING_SECRET: "trend-process-secret",
      SLACK_API_URL: `${fake.url}/api`,
      GONGOPS_ADMIN_USER_IDS: "UADMIN1",
      GONGOPS_LOG_LEVEL: "info",
      PORT: "0",
    };
  },
};

async function gongops(args: string[]) {
  const r = await runGongops([...args, "--json"], env.all, 60_000);
  expect(r.code, r.stderr).toBe(0);
  return oneJson(r.stdout) as any;
}

const digests = () =>
  fake.callsOf("chat.postMessage").filter((c) => c.args.channel === CHANNEL && c.result.ok);
const fileIn = (ts: string, ext: string): FakeFile | undefined =>
  [...fake.files.values()].find((f) => f.completed && f.threadTs === ts && f.filename.endsWith(ext));

describe("the trend across two digests", () => {
  it("four users deactivated between two digests: both runs in gongops trend --json, the chart in the channel", async () => {
    const { schedule } = await gongops([
      "schedule",
      "add",
      "--cron",
      "0 9 * * MON",
      "--channel",
      CHANNEL,
      "--days",
      "30",
    ]);
    const app = spawnGongops(["start"], env.all);
    try {
      await listeningPort(app, 60_000);
      await gongops(["schedule", "run", String(schedule.id)]);
      const first = await fake.waitFor(() => digests()[0], 60_000);
      await fake.waitFor(() => fileIn(first.result.ts, ".png"), 30_000);
      // Four of the users the first digest listed as inactive are deactivated in Gong.
      const csv = await fake.waitFor(() => fileIn(first.result.ts, ".csv"), 30_000);
      const ids = csv
        .bytes!.toString("utf8")
        .trim()
        .split("\r\n")
        .slice(1)
        .map((l) => l.split(",")[0]!);
      expect(ids.length).toBeGreaterThanOrEqual(4);
      for (const id of ids.slice(0, 4)) sim.org.updateUser(id, { active: false });
      // The digest syncs only a directory older than GONGOPS_FRESHNESS_MINUTES: a week-old one would be.
      await gongops(["sync"]);

      await gongops(["schedule", "run", String(schedule.id)]);
      const second = await fake.waitFor(() => digests()[1], 60_000);
      const chart = await fake.waitFor(() => fileIn(second.result.ts, ".png"), 30_000);
      const image = PNG.sync.read(chart.bytes!);
      expect(image.width).toBeGreaterThanOrEqual(1200);
      expect(image.height).toBeGreaterThanOrEqual(600);
      expect(chart.channel).toBe(CHANNEL);

      const { points } = await gongops(["trend"]);
      expect(points).toHaveLength(2);
      expect(points[1]).toMatchObject({
        inactive: points[0].inactive - 4,
        active: points[0].active - 4,
        cost: (points[0].inactive - 4) * 1200,
        reclaimedSeats: 0,
        reclaimedCost: 0,
      });
      expect(points[0].inactive).toBe(ids.length);
      expect(chart.altText).toContain(`${points[1].inactive} of ${points[1].active} active users`);
    } finally {
      app.child.kill("SIGTERM");
    }
    expect((await app.done).code).toBe(0);

    const out = join(dir, "t.png");
    const png = await runGongops(["trend", "--format", "png", "--out", out], env.all, 60_000);
    expect(png.code, png.stderr).toBe(0);
    expect(png.stdout).toContain(`to ${out}`);
    expect(existsSync(out)).toBe(true);
    const written = PNG.sync.read(readFileSync(out));
    expect(written.width).toBeGreaterThanOrEqual(600);
    // Without --out a PNG has nowhere to go: bad usage, exit 2, nothing written.
    const bad = await runGongops(["trend", "--format", "png"], env.all, 60_000);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format png needs --out FILE/);
  }, 240_000);
});
