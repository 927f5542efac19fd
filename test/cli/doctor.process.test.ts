import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliRig } from "../faults/cliRig.js";
import { FakeSlack } from "../helpers/fakeSlack.js";
import { oneJson, runGongops } from "../helpers/process.js";

/**
 * `gongops doctor` as a real process against the simulator (Gong, its SCIM) and the strict fake Slack:
 * one line per check, the failing one names what to fix, exit 0 only when everything passes, and
 * nothing is written to Gong or SCIM, in at most 4 Gong requests.
 */
const rig = cliRig();
let fake: FakeSlack;
let db: string;
const CHANNEL = "C0APPROVALS";
beforeAll(async () => {
  fake = await FakeSlack.start();
  fake.members.add(CHANNEL);
  db = rig.freshDb();
});
afterAll(async () => fake?.close());

const env = (extra: Record<string, string> = {}) =>
  rig.env(db, {
    SLACK_BOT_TOKEN: "xoxb-doctor-token",
    SLACK_SIGNING_SECRET: "doctor-signing-secret-0123456789",
    SLACK_API_URL: `${fake.url}/api`,
    GONGOPS_APPROVALS_CHANNEL: CHANNEL,
    GONGOPS_DEACTIVATE_VIA: "scim",
    ...extra,
  });
const gongRequests = () =>
  Object.entries(rig.sim.stats.byEndpoint)
    .filter(([e]) => !e.includes("/scim/"))
    .reduce((n, [, c]) => n + c, 0);
const writes = () =>
  Object.entries(rig.sim.stats.byEndpoint)
    // Gong's reads of statistics are POSTs with a filter; a write is any other method, or a POST to SCIM.
    .filter(([e]) => /^(PATCH|PUT|DELETE) /.test(e) || e.startsWith("POST /scim/"))
    .reduce((n, [, c]) => n + c, 0);

interface Doctor {
  ok: boolean;
  checks: { area: string; check: string; status: string; detail: string; fix?: string }[];
}

describe("gongops doctor", () => {
  it("everything right: every line ✓ (or –), exit 0; at most 4 Gong requests, no writes", async () => {
    const before = { gong: gongRequests(), writes: writes() };
    const run = await runGongops(["doctor", "--json"], env());
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const doc = oneJson(run.stdout) as Doctor;
    expect(doc.ok).toBe(true);
    expect(doc.checks.filter((c) => c.status === "fail")).toEqual([]);
    const seen = doc.checks.map((c) => `${c.area} ${c.check}`);
    for (const want of [
      "Gong users",
      "Gong api:stats:user-actions",
      "Gong base URL",
      "Gong clock",
      "SCIM way out",
      "Slack bot token",
      "Slack scopes",
      "Slack channel",
      "Store database",
      "Store migrations",
      "Store job worker",
    ])
      expect(seen).toContain(want);
    expect(gongRequests() - before.gong).toBeLessThanOrEqual(4);
    expect(writes()).toBe(before.writes);
  }, 60_000);

  it("a wrong SCIM token: its line names GONG_SCIM_TOKEN with the fix, exit 1, the token never shown", async () => {
    const run = await runGongops(["doctor"], env({ GONG_SCIM_TOKEN: "wrong-scim-token-42" }));
    expect(run.code, run.stderr).toBe(1);
    const line = run.stdout.split("\n").find((l) => l.startsWith("✗ SCIM"));
    expect(line).toMatch(/GONG_SCIM_TOKEN/);
    expect(line).toMatch(/→ GONG_SCIM_TOKEN is wrong or revoked/);
    expect(run.stdout).toMatch(/✓ Gong users/);
    expect(run.stdout).toMatch(/Some checks failed\.\n$/);
    expect(run.stdout + run.stderr).not.toContain("wrong-scim-token-42");
  }, 60_000);

  it("a scope the bot lacks and a private channel it is not in: each named with its fix", async () => {
    fake.grantedScopes = fake.grantedScopes.filter((s) => s !== "files:write");
    fake.privateChannels.add("G0SECRET");
    try {
      const run = await runGongops(["doctor", "--json"], env({ GONGOPS_APPROVALS_CHANNEL: "G0SECRET" }));
      expect(run.code).toBe(1);
      const doc = oneJson(run.stdout) as Doctor;
      const failed = doc.checks.filter((c) => c.status === "fail");
      expect(failed.map((c) => `${c.area} ${c.check}`).sort()).toEqual(["Slack channel", "Slack scopes"]);
      expect(failed.find((c) => c.check === "scopes")!.detail).toBe("missing files:write");
    } finally {
      fake.grantedScopes.push("files:write");
      fake.privateChannels.delete("G0SECRET");
    }
  }, 60_000);
});
