import { afterEach, describe, expect, it, vi } from "vitest";
import { GraphSim } from "../../src/sim/graph.js";
import { OktaSim } from "../../src/sim/okta.js";
import { summaryPage } from "../../src/slack/auditSummary.js";
import { ID, type Rig, rig } from "../approvals/helpers.js";

/**
 * Leavers from the IdP (GONGOPS_DEACTIVATE_VIA=okta|entra): the adapters list the accounts the IdP has
 * closed, every page, through their own rate-limited wire, and the leavers service matches them to
 * active Gong users by address, case-insensitively, without asking Gong or Slack anything.
 *
 * In the known org: Fay and Eli left (Okta: Fay suspended, Eli deprovisioned; Entra: both disabled),
 * with addresses in capitals in the IdP; Ben, deactivated in Gong, is closed in the IdP too (nobody's
 * leaver); Dana is fine everywhere.
 */
const SEARCH = "GET /api/v1/users";
const GRAPH_USERS = "GET /users";
const SUSPENDED_AT = new Date("2026-02-03T10:00:00Z");
const DEPROVISIONED_AT = new Date("2026-01-20T08:30:00Z");

let r: Rig;
let okta: OktaSim | undefined;
let graph: GraphSim | undefined;
afterEach(async () => {
  await r?.close();
  await okta?.close();
  await graph?.close();
  okta = graph = undefined;
});

const gongRequests = () => r.sim.stats.requests;
const ids = () => r.ctx.leavers.view().leavers.map((l) => l.id);

describe("leavers from Okta (suspended or deprovisioned)", () => {
  async function setup() {
    r = await rig(
      {},
      {
        beside: async (sim) => {
          // One user a page: the listing must follow Okta's Link rel="next" to see them all.
          okta = await OktaSim.start({ org: sim.org, usersPageSize: 1 });
          return okta.env();
        },
        context: { idp: { retry: { baseDelayMs: 1, maxDelayMs: 5 } } },
      },
    );
    const o = okta!;
    const upper = r.emailOf(ID.fay).toUpperCase();
    o.setLogin(ID.fay, upper);
    o.setEmail(ID.fay, upper);
    o.setStatus(ID.fay, "SUSPENDED", SUSPENDED_AT);
    o.setStatus(ID.eli, "DEPROVISIONED", DEPROVISIONED_AT);
    o.setStatus(ID.vpA, "SUSPENDED", SUSPENDED_AT);
    return o;
  }

  it("every page of the status search, matched by address in any case, pinned by Gong id; no Gong request", async () => {
    const o = await setup();
    expect(r.ctx.leavers.sources).toEqual(["okta"]);
    const before = gongRequests();
    const view = await r.ctx.leavers.check();
    expect(gongRequests()).toBe(before);
    // Three closed accounts, one a page: three requests, the last without a next link.
    expect(o.stats.byEndpoint[SEARCH]).toBe(3);
    expect(view.leavers).toEqual([
      {
        id: ID.eli,
        email: r.emailOf(ID.eli),
        name: "Eli Park",
        evidence: { source: "okta", since: DEPROVISIONED_AT.toISOString() },
      },
      {
        id: ID.fay,
        email: r.emailOf(ID.fay),
        name: "Fay Ng",
        evidence: { source: "okta", since: SUSPENDED_AT.toISOString() },
      },
    ]);
    expect(view.sources).toEqual(["okta"]);
    expect(view.notInSlack).toEqual([]);
    // The reason a request would carry names Okta and the day.
    expect(r.ctx.leavers.view().rows.find((x) => x.userId === ID.fay)?.source).toBe("okta");
  });

  it("a 429 on the search is waited out as Okta asks; a reactivated account stops being a leaver", async () => {
    const o = await setup();
    o.rateLimit(1, SEARCH);
    await r.ctx.leavers.check();
    expect(o.stats.sent429).toBe(1);
    expect(ids()).toEqual([ID.eli, ID.fay]);
    o.setStatus(ID.fay, "ACTIVE");
    await r.ctx.leavers.check();
    expect(ids()).toEqual([ID.eli]);
  });

  it("an audit's Slack summary ends with who left and still holds a seat, before the page line", async () => {
    await setup();
    const report = await r.ctx.audit!.start({ days: 90, activity: "hosted" });
    const page = () =>
      summaryPage(
        report,
        0,
        { directory: r.ctx.repos.directory, leavers: r.ctx.leavers },
        { where: null, startedBy: "U1" },
      );
    // Before any check, nothing is said about leavers.
    expect(JSON.stringify(page())).not.toMatch(/Leavers/);
    await r.ctx.leavers.check();
    // Every page click renders this: the check's "not in Slack" list (thousands, in JSON) is not read.
    const lastCheck = vi.spyOn(r.ctx.repos.leavers, "lastCheck");
    const blocks = page();
    expect(lastCheck).not.toHaveBeenCalled();
    lastCheck.mockRestore();
    const line = JSON.stringify(blocks.at(-2));
    expect(line).toMatch(/Leavers: 2 people who left the company still hold a Gong seat: Eli Park, Fay Ng\./);
    expect(JSON.stringify(blocks.at(-1))).toMatch(/Page 1 of/);
  });
});

describe("leavers from Entra ID (accountEnabled false)", () => {
  async function setup() {
    r = await rig(
      {},
      {
        beside: async (sim) => {
          graph = await GraphSim.start({ org: sim.org, usersPageSize: 1 });
          return graph.env();
        },
        context: {
          idp: {
            retry: { baseDelayMs: 1, maxDelayMs: 5 },
            msalNetwork: {
              sendGetRequestAsync: (url, options) => graph!.msalNetwork().sendGetRequestAsync(url, options),
              sendPostRequestAsync: (url, options) => graph!.msalNetwork().sendPostRequestAsync(url, options),
            },
          },
        },
      },
    );
    const g = graph!;
    g.setUpn(ID.eli, r.emailOf(ID.eli).toUpperCase());
    for (const id of [ID.fay, ID.eli, ID.vpA]) g.setAccountEnabled(id, false);
    return g;
  }

  it("every page of the disabled users (@odata.nextLink), matched by UPN or mail in any case; no Gong request", async () => {
    const g = await setup();
    expect(r.ctx.leavers.sources).toEqual(["entra"]);
    const before = gongRequests();
    const view = await r.ctx.leavers.check();
    expect(gongRequests()).toBe(before);
    expect(g.stats.byEndpoint[GRAPH_USERS]).toBe(3);
    expect(view.leavers).toEqual([
      { id: ID.eli, email: r.emailOf(ID.eli), name: "Eli Park", evidence: { source: "entra" } },
      { id: ID.fay, email: r.emailOf(ID.fay), name: "Fay Ng", evidence: { source: "entra" } },
    ]);
    g.setAccountEnabled(ID.eli, true);
    await r.ctx.leavers.check();
    expect(ids()).toEqual([ID.fay]);
  });
});
