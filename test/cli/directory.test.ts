import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GongSim } from "../../src/sim/server.js";
import { cli } from "../helpers/cli.js";
import { startSim } from "../helpers/gong.js";
import { ID, knownOrg } from "../helpers/org.js";

let sim: GongSim;
let dir: string;
let env: Record<string, string>;
beforeAll(async () => {
  sim = await startSim({ org: knownOrg() });
  dir = mkdtempSync(join(tmpdir(), "gongops-cli-"));
  env = { ...sim.env(), GONGOPS_DB_PATH: join(dir, "g.db"), GONG_MAX_RPS: "1000", GONGOPS_LOG_LEVEL: "warn" };
});
afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("gongops directory commands", () => {
  it("--help lists the commands", async () => {
    const r = await cli(["--help"], env);
    expect(r.code).toBe(0);
    for (const c of ["sync", "user", "chain", "reports", "org-health", "sim"]) expect(r.stdout).toContain(c);
  });

  it("sync --json prints one document with the run, its counts and its changes", async () => {
    const r = await cli(["sync", "--json"], env);
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(doc.run.outcome).toBe("succeeded");
    expect(doc.counts.joined).toBe(13);
    expect(doc.changes).toHaveLength(13);
    expect(r.stderr).toMatch(/listing|writing/); // progress went to stderr
  });

  it("user --json prints the user object", async () => {
    const r = await cli(["user", ID.big, "--json"], env);
    expect(r.code).toBe(0);
    expect(r.json().user).toMatchObject({
      id: "18446744073709551615",
      email: "max.id@acme.example",
      firstName: "Max",
      lastName: "Id",
      title: null,
      active: true,
      managerId: ID.fay,
    });
  });

  it("user shows the user's Gong activity over the default look-back in one line", async () => {
    sim.org.addActivity(ID.big, "othersCallsListenedTo", Date.now() - 5 * 86_400_000, 14);
    const r = await cli(["user", ID.big], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /activity: {2}last 90 days, \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2} \(America\/Los_Angeles\): listened to 14 calls\n/,
    );
    expect((await cli(["user", ID.big, "--json"], env)).json().activity).toMatch(/listened to 14 calls/);
  });

  it("user with several matches lists them; with none it says so and exits 1", async () => {
    const many = await cli(["user", "loop"], env);
    expect(many.stdout).toMatch(/2 users match "loop"/);
    const none = await cli(["user", "Emil", "Zolla"], env);
    expect(none.code).toBe(1);
    expect(none.stdout).toMatch(/Did you mean: Émile Zola/);
  });

  it("chain --json prints the list from the user up", async () => {
    const r = await cli(["chain", "fay.ng@acme.example", "--json"], env);
    expect(r.code).toBe(0);
    expect(r.json().chain.map((p: { id: string }) => p.id)).toEqual([ID.fay, ID.mgr, ID.vpB, ID.ceo]);
    expect(r.json().end).toEqual({ kind: "top" });
  });

  it("reports --json prints a tree of {user, reports}", async () => {
    const r = await cli(["reports", "Chloé", "--json"], env);
    const doc = r.json();
    expect(doc.tree.user.id).toBe(ID.vpB);
    expect(doc.tree.reports[0].user.id).toBe(ID.mgr);
    expect(doc.tree.reports[0].reports[0].reports[0].user.id).toBe(ID.big);
  });

  it("org-health --json", async () => {
    const r = await cli(["org-health", "--json"], env);
    expect(r.json().counts).toMatchObject({ cycles: 1, danglingManagers: 1, orphans: 1 });
  });

  it("an ambiguous name for chain is a usage error that lists the candidates", async () => {
    const r = await cli(["chain", "loop"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/matches 2 Gong users: .*Xavier Loop/);
  });

  it("a bad argument gets the usage, exit 2, and touches nothing", async () => {
    const r = await cli(["reports", "Ana", "--depth", "lots"], {
      ...env,
      GONGOPS_DB_PATH: join(dir, "never.db"),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--depth expects a whole number/);
    expect(r.stderr).toMatch(/Usage: gongops reports/);
    expect(existsSync(join(dir, "never.db"))).toBe(false);
    const unknown = await cli(["sync", "--bogus"], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--bogus'/);
  });

  it("missing credentials name the variables, exit 2; --json still prints one document", async () => {
    const r = await cli(["sync", "--json"], { GONGOPS_DB_PATH: join(dir, "x.db") });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET/);
    expect(r.json().error.code).toBe("CONFIG_INVALID");
  });
});
