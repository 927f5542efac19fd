import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimOrg } from "../../src/sim/org.js";
import type { GongSim } from "../../src/sim/server.js";
import { startSim } from "../helpers/gong.js";
import { oneJson, runGongops } from "../helpers/process.js";

/** `gongops digest` and `gongops schedule` as people run them: real processes, exit codes, one JSON. */
let sim: GongSim;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  sim = await startSim({ org: SimOrg.generate({ users: 80, seed: 31 }) });
  dir = mkdtempSync(join(tmpdir(), "gongops-digest-process-"));
  env = {
    ...sim.env(),
    GONGOPS_DB_PATH: join(dir, "g.db"),
    GONG_MAX_RPS: "10000",
    GONG_DAILY_QUOTA: "1000000",
    GONGOPS_SEAT_PRICE_PER_YEAR: "600",
  };
});
afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("as processes", () => {
  it("gongops digest --json prints one document with the digest and exits 0; the text form says the same", async () => {
    const r = await runGongops(["digest", "--days", "30", "--json"], env);
    expect(r.code, r.stderr).toBe(0);
    const { digest } = oneJson(r.stdout) as { digest: any };
    const active = sim.org.users().filter((u) => u.active).length;
    expect(digest.headline).toMatchObject({ activeUsers: active, inactive: digest.inactive.length });
    expect(digest.headline.yearlyCost).toEqual({
      amount: digest.inactive.length * 600,
      currency: "USD",
      perSeat: 600,
    });
    const text = await runGongops(["digest", "--days", "30"], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      `${digest.inactive.length} of ${active} active Gong users showed no Gong activity in 30 days`,
    );
  });

  it("gongops digest without Gong credentials exits 2 with one JSON error", async () => {
    const r = await runGongops(["digest", "--json"], { GONGOPS_DB_PATH: join(dir, "nocreds.db") });
    expect(r.code).toBe(2);
    expect((oneJson(r.stdout) as any).error.code).toBe("CONFIG_INVALID");
  });

  it("gongops schedule add/list exit 0 with one document; a bad cron exits 2", async () => {
    const add = await runGongops(
      ["schedule", "add", "--cron", "30 8 * * 1-5", "--tz", "America/New_York", "--channel", "C9", "--json"],
      env,
    );
    expect(add.code, add.stderr).toBe(0);
    expect((oneJson(add.stdout) as any).schedule).toMatchObject({
      cron: "30 8 * * 1-5",
      timezone: "America/New_York",
    });
    const list = await runGongops(["schedule", "list", "--json"], env);
    expect(list.code).toBe(0);
    expect((oneJson(list.stdout) as any).schedules[0].nextRun).toMatch(/08:30 E[SD]T$/);
    const bad = await runGongops(
      ["schedule", "add", "--cron", "every monday", "--channel", "C9", "--json"],
      env,
    );
    expect(bad.code).toBe(2);
    expect((oneJson(bad.stdout) as any).error.message).toMatch(/runs next at/);
  });
});
