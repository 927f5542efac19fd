import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SimOrg } from "../../src/sim/org.js";
import { cli } from "../helpers/cli.js";
import { oneJson, runGongops } from "../helpers/process.js";

// The demo writes trend.png in --out (the current folder otherwise): here, not in the checkout.
const out = mkdtempSync(join(tmpdir(), "gongops-idp-demo-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Who left the demo's org (the same seed, the same org) and is still active in Gong: the leavers. */
function departed(users: number, seed = 1): string[] {
  const org = SimOrg.generate({ users, seed });
  return org
    .users()
    .filter((u) => u.active && org.leftAt(u.id) !== null)
    .map((u) => u.id)
    .sort();
}

describe("gongops demo --via okta|entra", () => {
  it("audit → approval → unassign in the fake Okta → the sync that proves it → undo", async () => {
    const r = await cli(
      ["demo", "--via", "okta", "--users", "150", "--latency", "0", "--out", out, "--json"],
      {},
    );
    expect(r.code).toBe(0);
    const approval = r.json().demo.approval;
    expect(approval.scimPatches).toBe(0);
    // DPoP probe, nonce, token: three token requests, then the cached token serves every call.
    expect(approval.idp.signIn).toEqual({
      how: "a service app with a private key (invalid_dpop_proof ×1, use_dpop_nonce ×1, issued ×1)",
      tokenRequests: 3,
    });
    expect(approval.idp).toMatchObject({
      via: "okta",
      unassigns: approval.subjects.length,
      verifiedBySync: true,
      reassigns: 1,
      activeAgainAfterUndo: true,
    });
    expect(approval.subjects.map((s: { state: string }) => s.state).sort()[0]).toBe("done");
    // The undo gave one seat back: reclaimed is the finished deactivations less the reactivated one.
    const done = approval.subjects.filter((s: { state: string }) => s.state === "done").length;
    expect(r.json().demo.trend.reclaimedSeats).toBe(done);
    expect(approval.subjects.filter((s: { state: string }) => s.state === "reactivated")).toHaveLength(1);
    // The leavers of its org, found in the simulated Slack workspace and the Okta face, at no Gong cost.
    const leavers = r.json().demo.leavers;
    const expected = departed(150);
    expect(expected.length).toBeGreaterThan(0);
    expect(leavers.leavers.map((l: { id: string }) => l.id).sort()).toEqual(expected);
    expect(leavers.sources).toEqual(["slack", "okta"]);
    expect(leavers.yearlyCost).toEqual({ amount: expected.length * 1200, currency: "USD" });
    expect(leavers.requests).toMatchObject({ slack: 1, gong: 0 });
    expect(leavers.requests.idp).toBeGreaterThan(0);
  }, 60_000);

  it("as a real process through Entra ID: MSAL signs in at the sim's login authority; exit 0, one JSON document", async () => {
    const r = await runGongops(
      ["demo", "--via", "entra", "--users", "150", "--latency", "0", "--out", out, "--json"],
      {},
      45_000,
    );
    expect(r.stderr).not.toMatch(/error|sim-entra-client-secret/i);
    expect(r.code).toBe(0);
    const approval = (oneJson(r.stdout) as { demo: { approval: Record<string, any> } }).demo.approval;
    expect(approval.idp).toMatchObject({
      via: "entra",
      verifiedBySync: true,
      reassigns: 1,
      activeAgainAfterUndo: true,
    });
    expect(approval.idp.unassigns).toBeGreaterThan(0);
    expect(approval.idp.signIn.tokenRequests).toBe(1);
  }, 60_000);
});
