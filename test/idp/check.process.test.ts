import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GraphSim } from "../../src/sim/graph.js";
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

const writes = (sim: OktaSim | GraphSim) =>
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

describe("gongops deactivate --check with nobody named, through Gong SCIM", () => {
  const reads = () => rig.sim.stats.byEndpoint["GET /scim/v2/Users"] ?? 0;
  it("proves the token with one SCIM read: a wrong GONG_SCIM_TOKEN is not ready (exit 1), the right one is", async () => {
    const env = rig.env(db, { GONGOPS_DEACTIVATE_VIA: "scim" });
    const before = reads();
    const wrong = await runGongops(["deactivate", "--check"], { ...env, GONG_SCIM_TOKEN: "not-the-token" });
    expect(wrong.code, wrong.stderr).toBe(1);
    expect(wrong.stdout).toMatch(/Not ready: Gong SCIM refused GONG_SCIM_TOKEN/);
    expect(wrong.stdout + wrong.stderr).not.toContain("not-the-token");
    expect(reads() - before).toBe(1);

    const right = await runGongops(["deactivate", "--check", "--json"], env);
    expect(right.code, right.stderr).toBe(0);
    expect(oneJson(right.stdout)).toMatchObject({ via: "scim", ready: true, refusal: null });
    expect(reads() - before).toBe(2);
    expect(rig.sim.stats.byEndpoint["PATCH /scim/v2/Users/{id}"] ?? 0).toBe(0);
  }, 60_000);
});

/** The simulator's test-only certificate for 127.0.0.1 (test/fixtures/tls/README.md). */
const TLS_DIR = new URL("../fixtures/tls/", import.meta.url);
const CA_FILE = fileURLToPath(new URL("sim-loopback.cert.pem", TLS_DIR));

describe("gongops deactivate --check, Entra ID at an authority outside MSAL's clouds", () => {
  it("signs in through ENTRA_AUTHORITY_HOST and the CA this host trusts alone (no instance discovery at Microsoft): A ready, B refused naming the group, nothing changed", async () => {
    const graph = await GraphSim.start({
      org: rig.sim.org,
      pushDelayMs: 10,
      tls: {
        key: readFileSync(new URL("sim-loopback.key.pem", TLS_DIR), "utf8"),
        cert: readFileSync(CA_FILE, "utf8"),
      },
    });
    try {
      const [a, b] = rig.sim.org.users().filter((u) => u.active && u.emailAddress);
      graph.addGroup("Gong - Sales", [b!.id]);
      // Only what an admin would set: the authority's URL (https, on loopback here) and the CA to trust.
      const env: Record<string, string> = { ...rig.env(db), ...graph.env(), NODE_EXTRA_CA_CERTS: CA_FILE };
      expect(env.ENTRA_AUTHORITY_HOST).toBe(graph.url);
      expect(graph.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const run = await runGongops(
        ["deactivate", "--check", a!.emailAddress, b!.emailAddress, "--json"],
        env,
      );
      expect(run.stderr).not.toMatch(/endpoints_resolution_error|untrusted_authority/);
      expect(run.code, run.stderr).toBe(1); // B is refused
      const out = oneJson(run.stdout) as Check;
      expect(out).toMatchObject({ via: "entra", ready: false, refusal: null });
      expect(out.people.map((p) => [p.who, p.verdict])).toEqual([
        [a!.emailAddress, "ready"],
        [b!.emailAddress, "refused"],
      ]);
      expect(out.people[1]!.detail).toMatch(/Entra ID group Gong - Sales as well as a direct assignment/);
      expect(graph.tokenStats).toEqual({ requests: 1, refused: 0 });
      expect(graph.stats.byEndpoint["login GET openid-configuration"]).toBe(1);
      expect(writes(graph)).toBe(0);
      expect(run.stdout + run.stderr).not.toContain("sim-entra-client-secret");
    } finally {
      await graph.close();
    }
  }, 60_000);
});
