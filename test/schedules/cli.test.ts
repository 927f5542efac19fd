import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";

let dir: string;
let env: Record<string, string>;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "gongops-schedule-cli-"));
  env = { GONGOPS_DB_PATH: join(dir, "g.db"), GONGOPS_LOG_LEVEL: "warn", GONGOPS_OPERATOR: "ana@desk" };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("gongops schedule", () => {
  it("adds, lists with the next run in its zone, pauses, resumes, queues a run and removes", async () => {
    const add = await cli(
      [
        "schedule",
        "add",
        "--cron",
        "0 9 * * MON",
        "--tz",
        "Europe/Berlin",
        "--channel",
        "C0123",
        "--kind",
        "audit-digest",
        "--days",
        "60",
        "--json",
      ],
      env,
    );
    expect(add.code).toBe(0);
    const s = add.json().schedule;
    expect(s).toMatchObject({
      kind: "audit-digest",
      cron: "0 9 * * MON",
      timezone: "Europe/Berlin",
      channel: "C0123",
      options: { days: 60 },
      createdBy: "ana@desk (terminal)",
      paused: false,
      lastResult: null,
    });
    expect(s.nextRun).toMatch(/^Mon \d{4}-\d\d-\d\d 09:00 CES?T$/);
    expect(new Date(s.nextRunAt).getUTCDay()).toBe(1);

    const table = await cli(["schedule", "list"], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      /audit digest 60 days\s+0 9 \* \* MON Europe\/Berlin\s+C0123\s+Mon .* 09:00 CES?T\s+not run yet/,
    );

    expect((await cli(["schedule", "pause", String(s.id), "--json"], env)).json().schedule).toMatchObject({
      paused: true,
      nextRun: "paused",
    });
    expect((await cli(["schedule", "resume", String(s.id), "--json"], env)).json().schedule).toMatchObject({
      paused: false,
    });
    const run = await cli(["schedule", "run", String(s.id), "--json"], env);
    expect(run.code).toBe(0);
    expect(run.json().jobId).toBeGreaterThan(0);
    const jobs = (await cli(["jobs", "--json"], env)).json().jobs;
    expect(jobs[0]).toMatchObject({
      kind: "schedule-run",
      status: "queued",
      payload: { scheduleId: s.id, manual: true },
    });
    expect((await cli(["schedule", "remove", String(s.id), "--json"], env)).json()).toMatchObject({
      removed: true,
    });
    expect((await cli(["schedule", "list", "--json"], env)).json()).toEqual({ schedules: [] });
  });

  it("refuses a bad cron or zone with a correct example and its next three runs (exit 2)", async () => {
    const bad = await cli(["schedule", "add", "--cron", "0 25 * * MON", "--channel", "C1", "--json"], env);
    expect(bad.code).toBe(2);
    expect(bad.json().error.code).toBe("USAGE");
    expect(bad.json().error.message).toMatch(
      /"0 25 \* \* MON" is not a valid cron .*For example "0 9 \* \* MON" in Europe\/Berlin \(Mondays at 09:00\) runs next at (Mon \d{4}-\d\d-\d\d 09:00 CES?T(, )?){3}\./,
    );
    const zone = await cli(
      ["schedule", "add", "--cron", "0 9 * * MON", "--tz", "Berlin", "--channel", "C1"],
      env,
    );
    expect(zone.code).toBe(2);
    expect(zone.stderr).toMatch(/"Berlin" is not an IANA time zone/);
    for (const argv of [
      ["schedule", "add", "--channel", "C1"],
      ["schedule", "add", "--cron", "0 9 * * *"],
      ["schedule", "add", "--cron", "0 9 * * *", "--kind", "digest", "--channel", "C1"],
      ["schedule", "pause"],
      ["schedule", "list", "--cron", "x"],
      ["schedule", "frob"],
    ]) {
      const r = await cli([...argv, "--json"], env);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.json().error.code).toBe("USAGE");
    }
    // A channel name needs Slack to find its id: without a bot token, a configuration problem (exit 2).
    const named = await cli(
      ["schedule", "add", "--cron", "0 9 * * *", "--channel", "#general", "--json"],
      env,
    );
    expect(named.code).toBe(2);
    expect(named.json().error).toMatchObject({ code: "CONFIG_INVALID", message: /SLACK_BOT_TOKEN/ });
    const missing = await cli(["schedule", "remove", "999", "--json"], env);
    expect(missing.code).toBe(1);
    expect(missing.json().error.code).toBe("NOT_FOUND");
  });
});
