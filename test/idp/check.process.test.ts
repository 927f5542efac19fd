import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OktaSim } from "../../src/sim/okta.js";
import { cliRig } from "../faults/cliRig.js";
import { oneJson, runGongops } from "../helpers/process.js";

/**
 * `gongops deactivate --check` as a real process against the simulator's IdP faces: it signs in, runs
 * the checks that come before a change, reads how each person is assigned, and changes nothing.
 */
const rig = cliRig();
let okta: OktaSim;
let db: string;
beforeAll(async () => {
  okta = await OktaSim.start({ org: rig.sim.org, pushDelayMs: 10, oauth: { requireDpop: true } });
  db = rig.freshDb();
  const sync = await runGongops(["sync", "--json"], rig.env(db));
  expect(sync.code, sync.stderr).toBe(0);
});
afterAll(async () => {
  await okta.close();
});

interface Check {
  via: string;
  ready: boolean;
  refusal: string | null;
  people: { who: string; verdict: string; detail: string; assignment?: string; groups?: string[] }[];
  calls: string[];
}

const writes = (sim: OktaSim) =>
  Object.entries(sim.stats.byEndpoint)
    .filter(([e]) => /^(DELETE|POST) /.test(e) && !e.includes("token"))
    .reduce((n, [, c]) => n + c, 0);

describe("gongops deactivate --check", () => {
  it("Okta (service app, DPoP): direct → ready, group → refused by name, exit 1; nothing changed", async () => {
    const [direct, grouped] = rig.sim.org.users().filter((u) => u.active && u.emailAddress);
    okta.addGroup("Sales EMEA", [grouped!.id]);
    const env = { ...rig.env(db), ...okta.oauthEnv() };

    const ok = await runGongops(["deactivate", "--check", direct!.emailAddress, "--json"], env);
    expect(ok.code, ok.stderr).toBe(0);
    const ready = oneJson(ok.stdout) as Check;
    expect(ready).toMatchObject({ via: "okta", ready: true, refusal: null });
    expect(ready.people).toEqual([
      expect.objectContaining({
        verdict: "ready",
        assignment: "direct",
        detail: expect.stringMatching(/would remove that assignment/),
      }),
    ]);
    expect(ready.calls).toContain("GET /api/v1/apps/{appId} → 200");

    const no = await runGongops(
      ["deactivate", "--check", grouped!.emailAddress, "nobody-zzz", "--json"],
      env,
    );
    expect(no.code, no.stderr).toBe(1);
    const refused = oneJson(no.stdout) as Check;
    expect(refused.ready).toBe(false);
    expect(refused.people.map((p) => [p.who, p.verdict])).toEqual([
      ["nobody-zzz", "refused"],
      [grouped!.emailAddress, "refused"],
    ]);
    expect(refused.people[1]!.detail).toMatch(/Okta group Sales EMEA as well as a direct assignment/);

    okta.pushDeactivation = false;
    const off = await runGongops(["deactivate", "--check"], env);
    okta.pushDeactivation = true;
    expect(off.code).toBe(1);
    expect(off.stdout).toMatch(/Not ready: the Gong app in Okta does not push deactivations/);
    expect(writes(okta)).toBe(0);
    expect(okta.isDirect(direct!.id)).toBe(true);
  }, 60_000);
});
