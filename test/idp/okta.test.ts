import { generateKeyPairSync } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { ApiDeprovisioner } from "../../src/approvals/deprovision.js";
import { OktaSim } from "../../src/sim/okta.js";
import type { OktaOAuthSimOptions } from "../../src/sim/oktaOAuth.js";
import { asUser, ID, type Rig, rig } from "../approvals/helpers.js";
import {
  approvedFay,
  approvedFayAndOlga,
  approveFay,
  claimedByCrashed,
  fayDeactivated,
  reactivateFay,
  trailOf,
  until,
  usedToday,
} from "./helpers.js";

/**
 * GONGOPS_DEACTIVATE_VIA=okta end to end: the approvals service, the Okta adapter and the simulator's
 * Okta face tied to its Gong org (unassigning pushes the deactivation to Gong after a short delay).
 */
const DELETE = "DELETE /api/v1/apps/{appId}/users/{userId}";
const POST = "POST /api/v1/apps/{appId}/users";
const TOKEN = "POST /oauth2/v1/token";

let r: Rig;
let okta: OktaSim;
afterEach(async () => {
  await r?.close();
  await okta?.close();
});

/** The rig beside an Okta face; `face.env` picks how gongops signs in (the API token by default). */
async function setup(
  env: Record<string, string> = {},
  pushDelayMs = 10,
  face: { oauth?: OktaOAuthSimOptions; env?: (okta: OktaSim) => Record<string, string> } = {},
) {
  r = await rig(env, {
    beside: async (sim) => {
      okta = await OktaSim.start({ org: sim.org, pushDelayMs, oauth: face.oauth });
      return (face.env ?? ((o) => o.env()))(okta);
    },
    context: { idp: { retry: { baseDelayMs: 1, maxDelayMs: 5 } } },
  });
}

const subject = (id: number) => r.ctx.repos.approvals.subject(id)!;
/** Fay's undo snapshot as the adapter takes it before unassigning her. */
const oktaSnapshotOfFay = () => ({
  kind: "okta" as const,
  userId: okta.oktaIdOf(ID.fay)!,
  userName: r.emailOf(ID.fay),
  profile: {},
});
const calls = (endpoint: string) => okta.stats.byEndpoint[endpoint] ?? 0;

describe("okta: unassign the direct assignment, verified by a Gong sync", () => {
  it("direct → one DELETE, waiting for Gong, done after the sync that shows the user inactive; undo reassigns", async () => {
    await setup();
    const id = await approveFay(r);
    expect(calls(DELETE)).toBe(1);
    expect(subject(id).state).toBe("awaiting_idp");
    expect(subject(id).stateReason).toMatch(/removed in Okta, waiting for Gong/);
    expect(usedToday(r)).toBe(1);
    expect(subject(id).idpSnapshot).toMatchObject({ kind: "okta", userName: r.emailOf(ID.fay) });
    expect(r.patches()).toBe(0);
    await until(() => r.sim.org.user(ID.fay)!.active === false);
    await r.ctx.directory.sync!.run({ trigger: "test" });
    expect(subject(id).state).toBe("done");
    const trail = r.ctx.approvals.trail().filter((t) => t.subjectId === id);
    expect(trail.map((t) => t.why).join("\n")).toMatch(
      /Okta: DELETE \/api\/v1\/apps\/\{appId\}\/users\/\{userId\} → 204/,
    );
    expect(trail.map((t) => `${t.fromState}→${t.toState}`)).toContain("executing→awaiting_idp");
    expect(trail.at(-1)!.why).toMatch(/shows .* inactive/);

    await r.ctx.approvals.reactivate({
      who: r.emailOf(ID.fay),
      reason: "back from leave",
      actor: asUser("UADMIN", true),
    });
    expect(calls(POST)).toBe(1);
    expect(okta.isDirect(ID.fay)).toBe(true);
    expect(subject(id).state).toBe("reactivated");
    await until(() => r.sim.org.user(ID.fay)!.active === true);

    // The token never reaches a log line or the trail.
    const all = [...r.ctx.lines, ...r.ctx.approvals.trail().map((t) => t.why ?? "")].join("\n");
    expect(all).not.toContain(okta.token);
  });

  it("two subjects executing at once: each one's Okta calls land on its own trail, none on the other's", async () => {
    await setup();
    const ids = await approvedFayAndOlga(r);
    await Promise.all([r.ctx.approvals.execute(ids.fay), r.ctx.approvals.execute(ids.olga)]);
    expect(calls(DELETE)).toBe(2);
    const deleteLine = /Okta: DELETE \/api\/v1\/apps\/\{appId\}\/users\/\{userId\} → 204/g;
    const readLine = /Okta: GET \/api\/v1\/users\/\{login\} → 200/g;
    for (const id of [ids.fay, ids.olga]) {
      expect(subject(id).state).toBe("awaiting_idp");
      // One DELETE each, after one lookup each: nobody else's calls, and none of its own missing.
      expect(trailOf(r, id).match(deleteLine)).toHaveLength(1);
      expect(trailOf(r, id).match(readLine)).toHaveLength(1);
    }
  });

  it("undo after Fay's name changed in Okta: no mapped profile property is sent (Okta refuses a changed one, E0000075)", async () => {
    await setup();
    const id = await fayDeactivated(r);
    okta.setName(ID.fay, "Fay", "Ng-Lee"); // married while away; the profile push maps the new name
    await reactivateFay(r, "back from leave");
    expect(calls(POST)).toBe(1);
    expect(subject(id).state).toBe("reactivated");
    expect(okta.isDirect(ID.fay)).toBe(true);
    expect(trailOf(r, id)).toMatch(/Okta: POST \/api\/v1\/apps\/\{appId\}\/users → 200/);
  });

  it("group-only and mixed access → failed, group named, nothing changed", async () => {
    await setup();
    okta.addGroup("Sales EMEA", [ID.fay]);
    okta.setDirect(ID.fay, false);
    const id = await approveFay(r);
    expect(subject(id).state).toBe("failed");
    expect(subject(id).stateReason).toMatch(/Okta group Sales EMEA; gongops never removes group access/);
    expect(subject(id).stateReason).toMatch(/Nothing was changed/);
    expect(calls(DELETE)).toBe(0);
    expect(r.sim.org.user(ID.fay)!.active).toBe(true);

    // Mixed: direct and through the group.
    await r.close();
    await okta.close();
    await setup();
    okta.addGroup("Gong users", [ID.fay]);
    const mixed = await approveFay(r);
    expect(subject(mixed).state).toBe("failed");
    expect(subject(mixed).stateReason).toMatch(/group Gong users as well as a direct assignment/);
    expect(calls(DELETE)).toBe(0);
    expect(usedToday(r)).toBe(0);
    expect(okta.isDirect(ID.fay)).toBe(true);
  });

  it("already unassigned → no DELETE; closed by the sync that shows the user inactive", async () => {
    await setup();
    okta.setDirect(ID.fay, false);
    const id = await approveFay(r);
    expect(calls(DELETE)).toBe(0);
    expect(subject(id).state).toBe("awaiting_idp");
    expect(subject(id).stateReason).toMatch(/not assigned to the Gong app in Okta/);
    r.sim.org.user(ID.fay)!.active = false; // Okta's earlier push
    await r.ctx.directory.sync!.run({ trigger: "test" });
    expect(subject(id).state).toBe("done");
  });

  it("a takeover after a crash between the DELETE and the state move sends no second DELETE", async () => {
    await setup();
    await r.worker.stop();
    const id = await approvedFay(r);
    // The crashed process had claimed the subject (and a daily slot), saved the snapshot and sent its
    // DELETE.
    claimedByCrashed(r, id, oktaSnapshotOfFay());
    okta.setDirect(ID.fay, false);
    await r.ctx.approvals.execute(id);
    expect(calls(DELETE)).toBe(0);
    expect(subject(id).state).toBe("awaiting_idp");
    expect(subject(id).stateReason).toMatch(/removed in Okta by an earlier attempt, waiting for Gong/);
    expect(subject(id).idpSnapshot).toMatchObject({ kind: "okta" });
    expect(usedToday(r)).toBe(1);
  });

  it("a takeover after the push was turned off: refused, never 'nothing was changed', slot kept, and undo puts the assignment back", async () => {
    await setup();
    await r.worker.stop();
    const id = await approvedFay(r);
    claimedByCrashed(r, id, oktaSnapshotOfFay());
    okta.setDirect(ID.fay, false); // the earlier DELETE landed
    okta.pushDeactivation = false; // and since then an admin turned the push off
    await r.ctx.approvals.execute(id);
    expect(subject(id).state).toBe("failed");
    expect(subject(id).stateReason).toMatch(/does not push deactivations/);
    expect(subject(id).stateReason).toMatch(
      /An earlier attempt may already have removed the assignment in Okta: .*gongops reactivate/,
    );
    expect(subject(id).stateReason).not.toMatch(/Nothing was changed/);
    expect(usedToday(r)).toBe(1);
    await r.ctx.approvals.reactivate({
      who: r.emailOf(ID.fay),
      reason: "put it back",
      actor: asUser("UADMIN", true),
    });
    expect(subject(id).state).toBe("reactivated");
    expect(okta.isDirect(ID.fay)).toBe(true);
  });

  it("a takeover that finds a group granting access after an earlier attempt's DELETE: failed, never 'nothing was changed', the slot kept", async () => {
    await setup();
    await r.worker.stop();
    const id = await approvedFay(r);
    claimedByCrashed(r, id, oktaSnapshotOfFay());
    okta.setDirect(ID.fay, false); // the earlier DELETE landed
    okta.addGroup("Added later", [ID.fay]);
    await r.ctx.approvals.execute(id);
    expect(subject(id).state).toBe("failed");
    expect(subject(id).stateReason).toMatch(/group Added later; gongops never removes group access/);
    expect(subject(id).stateReason).toMatch(
      /An earlier attempt may already have removed the assignment in Okta/,
    );
    expect(subject(id).stateReason).not.toMatch(/Nothing was changed/);
    expect(usedToday(r)).toBe(1);
    expect(calls(DELETE)).toBe(0);
  });

  it("429 with X-Rate-Limit-Reset → waited, then one DELETE that lands", async () => {
    await setup();
    okta.rateLimit(1, DELETE);
    const started = Date.now();
    const id = await approveFay(r);
    expect(okta.stats.sent429).toBe(1);
    expect(calls(DELETE)).toBe(2);
    expect(subject(id).state).toBe("awaiting_idp");
    // X-Rate-Limit-Reset (epoch seconds) said when: the adapter slept that long before the second DELETE.
    const line = r.ctx.lines.find((l) => l.includes("Okta rate limited, waiting"))!;
    const waitMs = Number(/"waitMs":(\d+)/.exec(line)![1]);
    expect(waitMs).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(waitMs);
  });

  it("an answer with X-Rate-Limit-Remaining: 0 → the next call waits for the reset instead of taking a 429", async () => {
    await setup();
    okta.setBuckets(2, 1000); // two calls a second per endpoint
    const dep = r.ctx.approvals.deprovisioner as ApiDeprovisioner;
    const started = Date.now();
    for (let i = 0; i < 5; i++) expect((await dep.preflight()).refusal).toBeNull();
    expect(calls("GET /api/v1/apps/{appId}")).toBe(5);
    expect(okta.stats.sent429).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000); // two buckets' worth of waiting, at least one
    expect(
      r.ctx.lines.some((l) => l.includes("Okta's rate limit is spent; holding off until it refills")),
    ).toBe(true);
  });

  it("the app does not push deactivations → refused before any change", async () => {
    await setup();
    okta.pushDeactivation = false;
    const id = await approveFay(r);
    expect(subject(id).state).toBe("failed");
    expect(subject(id).stateReason).toMatch(
      /does not push deactivations \(PUSH_USER_DEACTIVATION .*Deactivate Users/,
    );
    expect(subject(id).stateReason).toMatch(/Nothing was changed/);
    expect(calls("GET /api/v1/apps/{appId}")).toBe(1);
    expect(calls(DELETE)).toBe(0);
    expect(usedToday(r)).toBe(0); // a refusal that changed nothing does not use up today's cap
    expect(calls("GET /api/v1/apps/{appId}/users/{userId}")).toBe(0);
    expect(r.sim.org.user(ID.fay)!.active).toBe(true);
  });

  it("an Okta login that is not the email → found by a profile.email search; two such users → refused, not guessed", async () => {
    await setup();
    okta.setLogin(ID.fay, "fay.lee");
    const id = await approveFay(r);
    expect(calls("GET /api/v1/users")).toBe(1);
    expect(calls(DELETE)).toBe(1);
    expect(subject(id).state).toBe("awaiting_idp");

    await r.close();
    await okta.close();
    await setup();
    okta.setLogin(ID.fay, "fay.lee");
    okta.setLogin(ID.mgr, "fay.lee.old");
    // The manager's profile email becomes Fay's too: two Okta users answer the search.
    okta.setEmail(ID.mgr, r.emailOf(ID.fay));
    const twice = await approveFay(r);
    expect(subject(twice).state).toBe("failed");
    expect(subject(twice).stateReason).toMatch(
      /2 Okta users have the email .* \((fay\.lee, fay\.lee\.old|fay\.lee\.old, fay\.lee)\); gongops will not guess which one to unassign\. Nothing was changed\./,
    );
    expect(calls(DELETE)).toBe(0);
  });

  it("an INACTIVE Gong app → refused before any change", async () => {
    await setup();
    okta.appStatus = "INACTIVE";
    const id = await approveFay(r);
    expect(subject(id).state).toBe("failed");
    expect(subject(id).stateReason).toMatch(/the Gong app in Okta is INACTIVE, not ACTIVE/);
    expect(calls(DELETE)).toBe(0);
  });

  it("mixed access found on a later page of both lists (app groups past 200, the user's groups paged) → refused", async () => {
    r = await rig(
      {},
      {
        beside: async (sim) => {
          okta = await OktaSim.start({ org: sim.org, pushDelayMs: 10, userGroupsPageSize: 2 });
          return okta.env();
        },
        context: { idp: { retry: { baseDelayMs: 1, maxDelayMs: 5 } } },
      },
    );
    // 230 groups on the app that Fay is not in, four of hers that are not on the app, then the one that is.
    for (let i = 0; i < 230; i++) okta.addGroup(`Region ${i}`, []);
    for (let i = 0; i < 4; i++) okta.addGroup(`Club ${i}`, [ID.fay], false);
    okta.addGroup("Late granting group", [ID.fay]);
    const id = await approveFay(r);
    expect(subject(id).state).toBe("failed");
    expect(subject(id).stateReason).toMatch(/group Late granting group as well as a direct assignment/);
    expect(calls("GET /api/v1/apps/{appId}/groups")).toBe(2);
    expect(calls("GET /api/v1/users/{userId}/groups")).toBe(3);
    expect(calls(DELETE)).toBe(0);
    expect(okta.isDirect(ID.fay)).toBe(true);
  });

  it("Gong still shows the user active past the deadline → the admins are told what to check", async () => {
    await setup({ GONGOPS_IDP_VERIFY_MINUTES: "0.001" }, 600_000);
    const id = await approveFay(r);
    await new Promise((res) => setTimeout(res, 100));
    await r.settle();
    expect(subject(id).state).toBe("awaiting_idp");
    expect(subject(id).waitingNote).toMatch(
      /still active in Gong .* after the change in Okta; check that .*Deactivate Users/,
    );
    const changed = r.events.filter(
      (e) => e.kind === "changed" && e.summary.includes("still active in Gong"),
    );
    expect(changed).toHaveLength(1);
  });
});

describe("okta through an OAuth service app (OKTA_CLIENT_ID, OKTA_PRIVATE_KEY)", () => {
  const serviceApp = (oauth: OktaOAuthSimOptions = {}, keyFormat: "pem" | "jwk" = "pem") =>
    setup({}, 10, { oauth, env: (o) => o.oauthEnv(keyFormat) });
  const reasonOf = (id: number) => subject(id).stateReason ?? "";
  const undo = () =>
    r.ctx.approvals.reactivate({ who: r.emailOf(ID.fay), reason: "back", actor: asUser("UADMIN", true) });

  /** Fay approved, unassigned in Okta, and confirmed by the sync that shows her inactive; her subject id. */
  async function unassignedAndConfirmed(): Promise<number> {
    const id = await approveFay(r);
    expect(calls(DELETE)).toBe(1);
    expect(subject(id).state).toBe("awaiting_idp");
    await until(() => r.sim.org.user(ID.fay)!.active === false);
    await r.ctx.directory.sync!.run({ trigger: "test" });
    expect(subject(id).state).toBe("done");
    return id;
  }

  /** The private parts of a key as pasted: a PEM's body lines, or a JWK's private members. */
  const keyParts = (key: string): string[] =>
    key.trim().startsWith("{")
      ? ["d", "p", "q", "dp", "dq", "qi"].map((k) => JSON.parse(key)[k]).filter(Boolean)
      : key.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----"));

  /** No log line, trail entry, state reason or notification shows the key, an assertion, a proof or a token. */
  function expectNothingSecret(privateKey: string) {
    const text = [
      ...r.ctx.lines,
      ...r.ctx.approvals.trail().map((t) => t.why ?? ""),
      ...r.events.map((e) => JSON.stringify(e)),
      ...r.ctx.repos.approvals.subjectsOfUser(ID.fay).map((s) => s.stateReason ?? ""),
    ].join("\n");
    const secrets = [...keyParts(privateKey), ...okta.oauth.wireSecrets()];
    expect(secrets.length).toBeGreaterThan(3);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/eyJ[\w-]{10,}\.eyJ/); // no JWT of any kind
  }

  it("Bearer: approve → one DELETE → done after the sync, undo reassigns; one token request serves every call", async () => {
    await serviceApp();
    const id = await unassignedAndConfirmed();
    await undo();
    expect(calls(POST)).toBe(1);
    expect(subject(id).state).toBe("reactivated");
    expect(okta.stats.requests - calls(TOKEN)).toBeGreaterThanOrEqual(6);
    expect(calls(TOKEN)).toBe(1);
    const trail = r.ctx.approvals.trail().filter((t) => t.subjectId === id);
    expect(trail.map((t) => t.why).join("\n")).toMatch(/Okta: POST \/oauth2\/v1\/token → 200/);
    expectNothingSecret(okta.oauth.privateKey("pem"));
  });

  it("the app requires DPoP (key pasted as Okta's JWK): the same path on DPoP-bound calls; the nonce dance happens once", async () => {
    await serviceApp({ requireDpop: true }, "jwk");
    const id = await unassignedAndConfirmed();
    await undo();
    expect(subject(id).state).toBe("reactivated");
    expect(okta.oauth.stats.byOutcome).toEqual({ invalid_dpop_proof: 1, use_dpop_nonce: 1, issued: 1 });
    expect(r.ctx.lines.filter((l) => l.includes("Okta requires DPoP"))).toHaveLength(1);
    expectNothingSecret(okta.oauth.privateKey("jwk"));
  });

  it("DPoP and a login that needs escaping (josé): found by search, never an escaped path that no proof matches", async () => {
    await serviceApp({ requireDpop: true });
    const dep = r.ctx.approvals.deprovisioner as ApiDeprovisioner;
    okta.setLogin(ID.fay, "josé.lee@acme.example");
    okta.setEmail(ID.fay, "josé.lee@acme.example");
    const found = await dep.find("josé.lee@acme.example");
    expect(found?.login).toBe("josé.lee@acme.example");
    expect(calls("GET /api/v1/users/{login}")).toBe(0);
    expect(calls("GET /api/v1/users")).toBe(1);
    // A plain email still goes by path, with its @ unescaped, and its proof matches.
    expect((await dep.find(r.emailOf(ID.mgr)))?.login).toBe(r.emailOf(ID.mgr));
    expect(calls("GET /api/v1/users/{login}")).toBe(1);
  });

  it("a key Okta does not know → failed in plain words (invalid_client), one token request, nothing changed", async () => {
    const wrong = generateKeyPairSync("rsa", { modulusLength: 2048 })
      .privateKey.export({ format: "pem", type: "pkcs8" })
      .toString();
    await setup({}, 10, { env: (o) => ({ ...o.oauthEnv(), OKTA_PRIVATE_KEY: wrong }) });
    const id = await approveFay(r);
    expect(subject(id).state).toBe("failed");
    expect(reasonOf(id)).toMatch(
      /^Okta did not accept the service app's sign-in \(invalid_client\): check that OKTA_CLIENT_ID .* "Public key \/ Private key", .* registered on it with key id sim-key-1\. Okta said: "The client_assertion signature is invalid\."$/,
    );
    expect(calls(TOKEN)).toBe(1); // a refusal is not retried
    expect(calls(DELETE)).toBe(0);
    expect(r.sim.org.user(ID.fay)!.active).toBe(true);
    expectNothingSecret(wrong);
  });

  it("a scope not granted → failed, naming the three scopes to grant and where", async () => {
    await serviceApp({ grantedScopes: ["okta.users.read", "okta.apps.read"] });
    const id = await approveFay(r);
    expect(subject(id).state).toBe("failed");
    expect(reasonOf(id)).toMatch(
      /\(invalid_scope\): in the Okta Admin Console > Applications > the service app > Okta API Scopes, grant okta\.users\.read, okta\.apps\.read, okta\.apps\.manage/,
    );
    expect(calls(DELETE)).toBe(0);
  });

  it("a revoked token → the 401 drops it and the call goes once more with a fresh one", async () => {
    await serviceApp({ requireDpop: true });
    await unassignedAndConfirmed();
    okta.oauth.revokeTokens();
    await undo();
    expect(calls(POST)).toBe(2); // 401, then 200
    expect(okta.isDirect(ID.fay)).toBe(true);
    expect(okta.oauth.stats.byOutcome).toEqual({ invalid_dpop_proof: 1, use_dpop_nonce: 1, issued: 2 });
  });

  it("no admin role on the service app → 403, and the reason says scopes and admin role, not OKTA_API_TOKEN", async () => {
    await serviceApp();
    okta.oauth.adminRole = false;
    const id = await approveFay(r);
    expect(subject(id).state).toBe("failed");
    expect(reasonOf(id)).toMatch(
      /\(403 E0000006\): the service app \(OKTA_CLIENT_ID\) needs okta\.users\.read, okta\.apps\.read and okta\.apps\.manage granted .* and an admin role that covers the Gong app/,
    );
    expect(reasonOf(id)).not.toMatch(/OKTA_API_TOKEN|token's admin/);
  });
});
