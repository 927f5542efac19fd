import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OktaSim } from "../../src/sim/okta.js";
import type { GongSim } from "../../src/sim/server.js";
import { CHAINED } from "../helpers/chained.js";
import { cli } from "../helpers/cli.js";
import { startSim } from "../helpers/gong.js";

/**
 * `gongops leavers` on the IdP alone (no Slack token), and the leavers section the terminal audit report
 * ends with. The generated org has people who left (its Okta face shows them SUSPENDED) while Gong still
 * counts them active: the ground truth is the org's own departures.
 */
let sim: GongSim;
let okta: OktaSim;
let dir: string;
let env: Record<string, string>;
beforeAll(async () => {
  sim = await startSim({ orgOptions: { users: 300, seed: 5 } });
  okta = await OktaSim.start({ org: sim.org });
  dir = mkdtempSync(join(tmpdir(), "gongops-cli-leavers-"));
  env = {
    ...sim.env(),
    ...okta.env(),
    GONGOPS_DB_PATH: join(dir, "g.db"),
    GONG_MAX_RPS: "1000",
    GONGOPS_LOG_LEVEL: "warn",
    GONGOPS_SEAT_PRICE_PER_YEAR: "1000",
  };
});
afterAll(async () => {
  await okta.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

const departed = () =>
  sim.org
    .users()
    .filter((u) => u.active && sim.org.leftAt(u.id) !== null)
    .map((u) => u.id)
    .sort();

describe("leavers in the terminal", CHAINED, () => {
  it("the audit report says leavers were not checked yet, then lists those found, with their cost", async () => {
    const expected = departed();
    expect(expected.length).toBeGreaterThan(1);
    const first = await cli(["audit", "--days", "90"], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Leavers: not checked yet\. `gongops leavers`/);

    const list = await cli(["leavers", "--json"], env);
    expect(list.code).toBe(0);
    const found = list.json().leavers as { id: string; email: string; evidence: { source: string } }[];
    expect(found.map((l) => l.id).sort()).toEqual(expected);
    expect(new Set(found.map((l) => l.evidence.source))).toEqual(new Set(["okta"]));
    expect(list.json().notInSlack).toEqual([]);

    const gongBefore = sim.stats.requests;
    const oktaBefore = okta.stats.requests;
    const audit = await cli(["audit", "--days", "90"], env);
    expect(audit.code).toBe(0);
    // The section reads what the service knows: no IdP request beside the audit's own Gong ones.
    expect(okta.stats.requests).toBe(oktaBefore);
    expect(sim.stats.requests).toBeGreaterThan(gongBefore);
    const section = audit.stdout.slice(audit.stdout.indexOf("\nLeavers: "));
    expect(section).toMatch(
      new RegExp(
        `^\\nLeavers: ${expected.length} people who left the company still hold a Gong seat — \\$${(expected.length * 1000).toLocaleString("en-US")} a year \\(checked .* UTC against Okta\\):`,
      ),
    );
    for (const l of found) expect(section).toContain(l.email);
    // JSON stays the documented document.
    const json = (await cli(["audit", "--days", "90", "--json"], env)).json();
    expect(json).not.toHaveProperty("leavers");
  }, 60_000);
});
