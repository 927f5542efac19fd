import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkWayOut } from "../../src/approvals/check.js";
import type { ApiDeprovisioner } from "../../src/approvals/deprovision.js";
import { graphScope } from "../../src/idp/msal.js";
import {
  GRAPH_SIM_ADMIN_ROLE_ID,
  GRAPH_SIM_APP_ROLE_ID,
  GRAPH_SIM_SP_ID,
  GraphSim,
} from "../../src/sim/graph.js";
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
} from "./helpers.js";

/**
 * GONGOPS_DEACTIVATE_VIA=entra end to end: the approvals service, the Entra adapter (its Graph part; the
 * token is injected because MSAL refuses an http:// authority) and the simulator's Graph face.
 */
const DELETE = "DELETE /servicePrincipals/{spId}/appRoleAssignedTo/{id}";
const POST = "POST /servicePrincipals/{spId}/appRoleAssignedTo";

let r: Rig;
let graph: GraphSim;
afterEach(async () => {
  await r?.close();
  await graph?.close();
});

async function setup(
  env: Record<string, string> = {},
  sim: Partial<Parameters<typeof GraphSim.start>[0]> = {},
) {
  r = await rig(env, {
    beside: async (s) => {
      graph = await GraphSim.start({ org: s.org, pushDelayMs: 10, ...sim });
      return graph.env();
    },
    context: {
      idp: {
        retry: { baseDelayMs: 1, maxDelayMs: 5 },
        // MSAL itself signs in, at the sim's login authority (created below, hence the indirection).
        msalNetwork: {
          sendGetRequestAsync: (url, options) => graph.msalNetwork().sendGetRequestAsync(url, options),
          sendPostRequestAsync: (url, options) => graph.msalNetwork().sendPostRequestAsync(url, options),
        },
      },
    },
  });
}

const subject = (id: number) => r.ctx.repos.approvals.subject(id)!;
const calls = (endpoint: string) => graph.stats.byEndpoint[endpoint] ?? 0;

describe("entra: remove the direct app role assignment, verified by a Gong sync", () => {
  it("direct → one DELETE, waiting for Gong, done after the sync; undo POSTs the saved appRoleId", async () => {
    await setup();
    const id = await approveFay(r);
    expect(calls(DELETE)).toBe(1);
    expect(subject(id).state).toBe("awaiting_idp");
    expect(subject(id).stateReason).toMatch(/removed in Entra ID, waiting for Gong/);
    expect(subject(id).idpSnapshot).toMatchObject({
      kind: "entra",
      roles: [{ assignmentId: expect.any(String), appRoleId: GRAPH_SIM_APP_ROLE_ID }],
    });
    await until(() => r.sim.org.user(ID.fay)!.active === false);
    await r.ctx.directory.sync!.run({ trigger: "test" });
    expect(subject(id).state).toBe("done");
    expect(
      r.ctx.approvals
        .trail()
        .map((t) => t.why)
        .join("\n"),
    ).toMatch(/Entra ID: DELETE \/servicePrincipals\/\{spId\}\/appRoleAssignedTo\/\{assignmentId\} → 204/);

    await r.ctx.approvals.reactivate({
      who: r.emailOf(ID.fay),
      reason: "back",
      actor: asUser("UADMIN", true),
    });
    expect(calls(POST)).toBe(1);
    expect(graph.isDirect(ID.fay)).toBe(true);
    await until(() => r.sim.org.user(ID.fay)!.active === true);
    const all = [...r.ctx.lines, ...r.ctx.approvals.trail().map((t) => t.why ?? "")].join("\n");
    expect(all).not.toContain(graph.token);
    expect(all).not.toContain("sim-entra-client-secret");
    // MSAL signed in once and its cache served every Graph call since.
    expect(graph.tokenStats).toEqual({ requests: 1, refused: 0 });
    expect(graph.stats.requests).toBeGreaterThan(5);
  });

  it("ENTRA_AUTHORITY_HOST is trusted as configured: MSAL reads its OpenID configuration there and never asks instance discovery", async () => {
    await setup();
    await approveFay(r);
    expect(graph.tokenStats).toEqual({ requests: 1, refused: 0 });
    expect(calls("login GET openid-configuration")).toBe(1);
    expect(calls("login GET discovery")).toBe(0);
  });

  it("the token's scope is the .default of the Graph ENTRA_GRAPH_URL names (a national cloud's Graph is another resource)", async () => {
    expect(graphScope("https://graph.microsoft.us/v1.0")).toBe("https://graph.microsoft.us/.default");
    expect(graphScope("https://microsoftgraph.chinacloudapi.cn/v1.0/")).toBe(
      "https://microsoftgraph.chinacloudapi.cn/.default",
    );
    expect(graphScope("https://graph.microsoft.com/v1.0")).toBe("https://graph.microsoft.com/.default");
    await setup();
    const id = await approveFay(r);
    expect(subject(id).state).toBe("awaiting_idp");
    // The sim's Graph is its own resource: a token asked for Microsoft's public Graph would be refused.
    expect(graph.login.scopes).toEqual([`${new URL(graph.graphUrl).origin}/.default`]);
  });

  it("two subjects executing at once: each one's Graph calls land on its own trail, none on the other's", async () => {
    await setup();
    const ids = await approvedFayAndOlga(r);
    await Promise.all([r.ctx.approvals.execute(ids.fay), r.ctx.approvals.execute(ids.olga)]);
    expect(calls(DELETE)).toBe(2);
    const deleteLine =
      /Entra ID: DELETE \/servicePrincipals\/\{spId\}\/appRoleAssignedTo\/\{assignmentId\} → 204/g;
    const readLine = /Entra ID: GET \/users\/\{upn\} → 200/g;
    for (const id of [ids.fay, ids.olga]) {
      expect(subject(id).state).toBe("awaiting_idp");
      expect(trailOf(r, id).match(deleteLine)).toHaveLength(1);
      expect(trailOf(r, id).match(readLine)).toHaveLength(1);
    }
  });

  it("ENTRA_PROVISION_ON_DEMAND nudges the job: Gong shows the user inactive without waiting for the cycle", async () => {
    await setup({ ENTRA_PROVISION_ON_DEMAND: "true" }, { pushDelayMs: 600_000 });
    const id = await approveFay(r);
    expect(subject(id).state).toBe("awaiting_idp");
    expect(calls("POST /servicePrincipals/{spId}/synchronization/jobs/{jobId}/provisionOnDemand")).toBe(1);
    await until(() => r.sim.org.user(ID.fay)!.active === false);
    const why = trailOf(r, id);
    expect(why).toMatch(/Entra ID: asked Entra ID to provision the user on demand/);
    await r.ctx.directory.sync!.run({ trigger: "test" });
    expect(subject(id).state).toBe("done");
  });

  it("a refused nudge (403) is only noted: the request keeps waiting for the cycle", async () => {
    await setup({ ENTRA_PROVISION_ON_DEMAND: "true" }, { pushDelayMs: 600_000 });
    graph.readable.provisionOnDemand = false;
    const id = await approveFay(r);
    expect(subject(id).state).toBe("awaiting_idp");
    expect(calls(DELETE)).toBe(1);
    const why = trailOf(r, id);
    expect(why).toMatch(
      /refused to provision on demand \(HTTP 403 Authorization_RequestDenied: it needs Synchronization\.ReadWrite\.All\); waiting for its next provisioning cycle/,
    );
    expect(r.sim.org.user(ID.fay)!.active).toBe(true);
  });

  it("undo when the assignment is already back → no second POST (Graph refuses a duplicate), reactivated", async () => {
    await setup();
    const id = await fayDeactivated(r);
    graph.setDirect(ID.fay, true); // an admin put it back by hand (or an undo landed before a crash)
    await reactivateFay(r);
    expect(calls(POST)).toBe(0);
    expect(subject(id).state).toBe("reactivated");
  });

  it("two app roles held directly → both removed, both back on undo; an upper-case ENTRA_GONG_SP_ID is the same app", async () => {
    await setup({ ENTRA_GONG_SP_ID: GRAPH_SIM_SP_ID.toUpperCase() });
    graph.addRole(ID.fay, GRAPH_SIM_ADMIN_ROLE_ID);
    const id = await approveFay(r);
    expect(calls(DELETE)).toBe(2);
    expect(graph.rolesOf(ID.fay)).toEqual([]);
    await until(() => r.sim.org.user(ID.fay)!.active === false);
    await r.ctx.directory.sync!.run({ trigger: "test" });
    expect(subject(id).state).toBe("done");
    await r.ctx.approvals.reactivate({
      who: r.emailOf(ID.fay),
      reason: "back",
      actor: asUser("UADMIN", true),
    });
    expect(calls(POST)).toBe(2);
    expect(graph.rolesOf(ID.fay)).toEqual([GRAPH_SIM_APP_ROLE_ID, GRAPH_SIM_ADMIN_ROLE_ID].sort());
  });

  it("deactivate --check (checkWayOut): reads, never writes; a quarantined job is not ready before anyone is read", async () => {
    await setup();
    graph.addGroup("Gong - Sales", [ID.mgr]);
    const people = [ID.fay, ID.mgr].map((g) => ({ who: g, email: r.emailOf(g) }));
    const ok = await checkWayOut(r.ctx.approvals.deprovisioner, people);
    expect(ok.ready).toBe(false); // the manager gets Gong through a group
    expect(ok.people.map((p) => [p.verdict, p.assignment])).toEqual([
      ["ready", "direct"],
      ["refused", "both"],
    ]);
    expect(ok.people[1]!.detail).toMatch(/Entra ID group Gong - Sales as well as a direct assignment/);
    graph.setDirect(ID.fay, false);
    const unassigned = await checkWayOut(r.ctx.approvals.deprovisioner, people.slice(0, 1));
    expect(unassigned.ready).toBe(false); // active in Gong, not assigned here: an approval would remove nothing
    expect(unassigned.people[0]!.detail).toMatch(/an approval would remove nothing/);
    graph.job = "Quarantine";
    const quarantined = await checkWayOut(r.ctx.approvals.deprovisioner, people);
    expect(quarantined).toMatchObject({ ready: false, people: [] });
    expect(quarantined.refusal).toMatch(/quarantined/);
    expect(calls(DELETE) + calls(POST)).toBe(0);
  });

  it("a retry after a partial removal keeps the first snapshot: both roles come back on undo", async () => {
    await setup();
    graph.addRole(ID.fay, GRAPH_SIM_ADMIN_ROLE_ID);
    await r.worker.stop();
    const id = await approvedFay(r);
    // The first attempt stored both roles, removed the User role, and died before the Admin one.
    const entra = r.ctx.approvals.deprovisioner as ApiDeprovisioner;
    const snapshot = (await entra.assignment((await entra.find(r.emailOf(ID.fay)))!)).snapshot;
    claimedByCrashed(r, id, snapshot);
    graph.removeRole(ID.fay, GRAPH_SIM_APP_ROLE_ID);
    await r.ctx.approvals.execute(id);
    expect(subject(id).state).toBe("awaiting_idp");
    expect(graph.rolesOf(ID.fay)).toEqual([]);
    expect(subject(id).idpSnapshot?.roles).toHaveLength(2);
    await until(() => r.sim.org.user(ID.fay)!.active === false);
    await r.ctx.directory.sync!.run({ trigger: "test" });
    await r.ctx.approvals.reactivate({
      who: r.emailOf(ID.fay),
      reason: "back",
      actor: asUser("UADMIN", true),
    });
    expect(graph.rolesOf(ID.fay)).toEqual([GRAPH_SIM_APP_ROLE_ID, GRAPH_SIM_ADMIN_ROLE_ID].sort());
  });

  it("Graph refuses the second of two roles → failed, saying one was removed; undo puts it back", async () => {
    await setup();
    graph.addRole(ID.fay, GRAPH_SIM_ADMIN_ROLE_ID);
    graph.failNext(
      "DELETE /servicePrincipals/{spId}/appRoleAssignedTo/{id}",
      {
        status: 403,
        body: { error: { code: "Authorization_RequestDenied", message: "Insufficient privileges." } },
      },
      1,
    );
    const id = await approveFay(r);
    expect(subject(id).state).toBe("failed");
    expect(subject(id).stateReason).toMatch(
      /Microsoft Graph refused \(403 Authorization_RequestDenied\).*\. 1 of the user's 2 app roles on the Gong app were removed already: finish in Entra ID, or put them back with gongops reactivate\.$/,
    );
    expect(graph.rolesOf(ID.fay)).toHaveLength(1);
    await r.ctx.approvals.reactivate({
      who: r.emailOf(ID.fay),
      reason: "back",
      actor: asUser("UADMIN", true),
    });
    expect(subject(id).state).toBe("reactivated");
    expect(graph.rolesOf(ID.fay)).toEqual([GRAPH_SIM_APP_ROLE_ID, GRAPH_SIM_ADMIN_ROLE_ID].sort());
  });

  it("a userPrincipalName that is not the email → found by mail, then unassigned", async () => {
    await setup();
    graph.setUpn(ID.fay, "fay.lee@acme.onmicrosoft.com");
    const id = await approveFay(r);
    expect(calls("GET /users")).toBe(1);
    expect(calls(DELETE)).toBe(1);
    expect(subject(id).state).toBe("awaiting_idp");
  });

  it("a wrong client secret → failed in plain words (Entra's code, not the secret), nothing changed", async () => {
    await setup({ ENTRA_CLIENT_SECRET: "not-the-secret" });
    const id = await approveFay(r);
    expect(subject(id).state).toBe("failed");
    expect(subject(id).stateReason).toMatch(
      /Entra ID refused gongops' sign-in \(invalid_client: AADSTS7000215: Invalid client secret provided\.\)/,
    );
    expect(graph.tokenStats.refused).toBe(1); // refused once, not retried
    expect(calls(DELETE)).toBe(0);
    const all = [...r.ctx.lines, ...r.ctx.approvals.trail().map((t) => t.why ?? "")].join("\n");
    expect(all).not.toContain("not-the-secret");
  });

  it("a certificate instead of a secret: MSAL's signed assertion (PS256, x5t#S256) is accepted", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const thumbprint = createHash("sha256")
      .update(publicKey.export({ type: "spki", format: "der" }))
      .digest("hex");
    const dir = mkdtempSync(join(tmpdir(), "gongops-cert-"));
    const pem = join(dir, "gong-entra.pem");
    writeFileSync(pem, privateKey.export({ type: "pkcs8", format: "pem" }));
    await setup(
      {
        ENTRA_CLIENT_SECRET: "",
        ENTRA_CLIENT_CERTIFICATE_PATH: pem,
        ENTRA_CLIENT_CERTIFICATE_THUMBPRINT: thumbprint,
      },
      { certificate: { publicKey, thumbprintSha256: thumbprint } },
    );
    const id = await approveFay(r);
    expect(subject(id).state).toBe("awaiting_idp");
    expect(calls(DELETE)).toBe(1);
    expect(graph.tokenStats).toEqual({ requests: 1, refused: 0 });
  });

  it("group-only and mixed (principalType Group) → failed, group named, nothing changed", async () => {
    await setup();
    graph.setDirect(ID.fay, false);
    graph.addGroup("Gong - Sales", [ID.fay]);
    const id = await approveFay(r);
    expect(subject(id).state).toBe("failed");
    expect(subject(id).stateReason).toMatch(
      /Entra ID group Gong - Sales; gongops never removes group access/,
    );
    expect(calls(DELETE)).toBe(0);

    await r.close();
    await graph.close();
    await setup();
    graph.addGroup("All sellers", [ID.fay]);
    const mixed = await approveFay(r);
    expect(subject(mixed).state).toBe("failed");
    expect(subject(mixed).stateReason).toMatch(/group All sellers as well as a direct assignment/);
    expect(calls(DELETE)).toBe(0);
    expect(graph.isDirect(ID.fay)).toBe(true);
    expect(r.sim.org.user(ID.fay)!.active).toBe(true);
  });

  it("already unassigned → no DELETE; closed by the sync that shows the user inactive", async () => {
    await setup();
    graph.setDirect(ID.fay, false);
    const id = await approveFay(r);
    expect(calls(DELETE)).toBe(0);
    expect(subject(id).state).toBe("awaiting_idp");
    r.sim.org.user(ID.fay)!.active = false;
    await r.ctx.directory.sync!.run({ trigger: "test" });
    expect(subject(id).state).toBe("done");
  });

  it("429 with Retry-After → waited, then the DELETE lands", async () => {
    await setup({}, { retryAfterSeconds: 1 });
    graph.rateLimit(1, DELETE);
    const started = Date.now();
    const id = await approveFay(r);
    expect(graph.stats.sent429).toBe(1);
    expect(calls(DELETE)).toBe(2);
    expect(subject(id).state).toBe("awaiting_idp");
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it("a 503 with Retry-After → waited as asked (not a quick back-off), then the DELETE lands", async () => {
    await setup();
    graph.failNext(DELETE, {
      status: 503,
      headers: { "retry-after": "2" },
      body: { error: { code: "serviceNotAvailable", message: "Service unavailable, retry later." } },
    });
    const started = Date.now();
    const id = await approveFay(r);
    expect(calls(DELETE)).toBe(2);
    expect(subject(id).state).toBe("awaiting_idp");
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    const waited = r.ctx.lines.filter((l) => l.includes("answered 503, waiting as it asks"));
    expect(waited.map((l) => JSON.parse(l).waitMs)).toEqual([2000]);
  });

  it("a granting group on a later page of the user's assignments → refused, nothing changed", async () => {
    await setup({}, { pageSize: 2 });
    for (let i = 0; i < 3; i++) graph.addGroup(`Unrelated ${i}`, []);
    graph.addGroup("Sales A", [ID.fay]);
    graph.addGroup("Sales B", [ID.fay]);
    graph.addGroup("Late group", [ID.fay]);
    const id = await approveFay(r);
    expect(subject(id).state).toBe("failed");
    expect(subject(id).stateReason).toMatch(
      /groups Sales A, Sales B, Late group as well as a direct assignment/,
    );
    expect(calls("GET /users/{id}/appRoleAssignments")).toBe(2);
    expect(calls(DELETE)).toBe(0);
  });

  it("Graph refuses to show the provisioning job (403) → refused, naming Synchronization.Read.All", async () => {
    await setup();
    graph.readable.jobs = false;
    const id = await approveFay(r);
    expect(subject(id).state).toBe("failed");
    expect(subject(id).stateReason).toMatch(/Synchronization\.Read\.All/);
    expect(calls(DELETE)).toBe(0);
  });

  it("the scope cannot be read (403 on the secrets) → goes ahead, the trail says the scope was not checked", async () => {
    await setup();
    graph.readable.secrets = false;
    const id = await approveFay(r);
    expect(subject(id).state).toBe("awaiting_idp");
    expect(calls(DELETE)).toBe(1);
    const why = trailOf(r, id);
    expect(why).toMatch(/provisioning scope not checked \(Microsoft Graph answered 403/);
  });

  it.each([
    ["none", false, /no provisioning job/],
    ["Quarantine", false, /quarantined/],
    ["Paused", false, /stopped \(job Paused, schedule Disabled\)/],
    ["Active", true, /Sync all users and groups/],
  ] as const)("provisioning job %s (syncAll %s) → refused before any change", async (job, syncAll, why) => {
    await setup({}, { job, syncAll });
    const id = await approveFay(r);
    expect(subject(id).state).toBe("failed");
    expect(subject(id).stateReason).toMatch(why);
    expect(subject(id).stateReason).toMatch(/Nothing was changed/);
    expect(calls(DELETE)).toBe(0);
    expect(calls("GET /users/{id}/appRoleAssignments")).toBe(0);
  });
});
