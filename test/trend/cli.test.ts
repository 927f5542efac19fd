import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, openDatabase } from "../../src/store/db.js";
import { TrendRepo } from "../../src/store/trend.repo.js";
import { cli } from "../helpers/cli.js";

/**
 * `gongops trend` on a database with history: every run in the table, the CSV and the JSON document;
 * --out; bad input refused with exit 2. (The command reads the system clock, so the rows are dated
 * relative to it: this passes on any date.)
 */
const DAY = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), "gongops-trend-cli-"));
const env = { GONGOPS_DB_PATH: join(dir, "g.db"), GONGOPS_CURRENCY: "EUR" };
// One "now" for the rows and what the test expects of them, even across a midnight.
const NOW = Date.now();
const day = (daysAgo: number) => new Date(NOW - daysAgo * DAY).toISOString().slice(0, 10);

beforeAll(async () => {
  const db = openDatabase(env.GONGOPS_DB_PATH);
  const repo = new TrendRepo(db);
  const row = (id: number, daysAgo: number, inactive: number, reclaimed: number) =>
    repo.add({
      auditRunId: id,
      at: `${day(daysAgo)}T09:00:00.000Z`,
      day: day(daysAgo),
      trigger: `schedule 1`,
      lookbackDays: 90,
      rule: "any",
      activeUsers: 400,
      inactive,
      leavers: null,
      setAside: 12,
      seatPrice: 1000,
      currency: "EUR",
      yearlyCost: inactive * 1000,
      reclaimedSeats: reclaimed,
      reclaimedCost: reclaimed * 1000,
    });
  row(1, 20, 50, 0);
  row(2, 10, 44, 6);
  row(3, 400, 70, 0); // older than the default 180 days
  await closeDatabase(db);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("gongops trend", () => {
  it("--json prints every run of the last 180 days in the documented shape", async () => {
    const r = await cli(["trend", "--json"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toEqual({
      points: [
        { day: day(20), inactive: 50, active: 400, cost: 50_000, reclaimedSeats: 0, reclaimedCost: 0 },
        { day: day(10), inactive: 44, active: 400, cost: 44_000, reclaimedSeats: 6, reclaimedCost: 6000 },
      ],
    });
    expect((await cli(["trend", "--days", "500", "--format", "json"], env)).json().points).toHaveLength(3);
  });

  it("the table lists each run with its cost and reclaimed seats, a sparkline and the total", async () => {
    const r = await cli(["trend"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /day\s+finished\s+audit\s+by\s+look-back\s+active\s+inactive\s+set aside\s+yearly cost\s+reclaimed/,
    );
    expect(r.stdout).toContain(
      `${day(10)}  09:00 UTC  2      schedule 1  90 d (any)  400     44        12         €44,000      6 (€6,000)`,
    );
    expect(r.stdout).toMatch(/\n█▁ 50 → 44 inactive since /);
    // Reclaimed now comes from the approvals trail, which is empty here.
    expect(r.stdout).toContain("Reclaimed so far: none yet (finished deactivations, net of reactivations).");
  });

  it("--format csv --out writes the file, and says so on stderr", async () => {
    const out = join(dir, "t.csv");
    const r = await cli(["trend", "--format", "csv", "--out", out], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`Wrote 2 points to ${out}.`);
    const lines = readFileSync(out, "utf8").trim().split("\r\n");
    expect(lines[0]).toBe(
      "day,at,auditRunId,trigger,lookbackDays,rule,activeUsers,inactive,setAside,leavers,seatPrice,yearlyCost,currency,reclaimedSeats,reclaimedCost",
    );
    expect(lines[2]).toBe(
      `${day(10)},${day(10)}T09:00:00.000Z,2,schedule 1,90,any,400,44,12,,1000,44000,EUR,6,6000`,
    );
  });

  it("refuses bad input with exit 2 and changes nothing", async () => {
    for (const args of [
      ["--days", "0"],
      ["--format", "svg"],
      ["--format", "png"],
      ["--json", "--out", join(dir, "x.json")],
      ["--out", ""],
    ]) {
      const r = await cli(["trend", ...args], env);
      expect(r.code, args.join(" ")).toBe(2);
    }
    const r = await cli(["trend", "--format", "png", "--out", join(dir, "no", "such", "t.png")], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot write .*t\.png/);
  });
});
