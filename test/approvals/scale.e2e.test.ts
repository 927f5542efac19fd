import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimOrg } from "../../src/sim/org.js";
import { type SlackRig, startSlackRig } from "../helpers/slackRig.js";

/**
 * Filing 500 subjects within Slack's limits: the Slack app's own people directory (SlackPeopleDirectory)
 * against a fake Slack that rate-limits as Slack does (a few calls a window, then 429 with Retry-After).
 * Approvers are found in one paged users.list pass, not ~1,000 sequential lookups by email.
 */
const ADMIN = "UADMIN1";
let rig: SlackRig;
let attempt = 0;

beforeAll(async () => {
  rig = await startSlackRig({
    org: SimOrg.generate({ users: 1200, seed: 500 }),
    secret: "scale-signing-secret",
    admin: ADMIN,
    before: (sim, fake) => {
      for (const u of sim.org.users()) fake.emails.set(`U${u.id.slice(-8)}`, u.emailAddress);
      // Scaled tiers: lookups by email 20 a second, users.list one page a second.
      fake.limitRate("users.lookupByEmail", 20, 1000);
      fake.limitRate("users.list", 1, 1000);
    },
    env: { GONGOPS_APPROVALS_CHANNEL: "C0APPROVALS", GONGOPS_AUDIT_ACTIVITY: "hosted" },
  });
});
afterAll(async () => rig?.stop());

describe("filing 500 subjects", () => {
  it("finds every approver in a few Slack calls, honouring Retry-After", async () => {
    const { ctx, fake, sim } = rig;
    // Another 500 on a retry (vitest.config.ts): the first attempt's are in its open request.
    const first = 500 * attempt++;
    const who = sim.org
      .users()
      .filter((u) => u.active !== false && u.emailAddress)
      .slice(first, first + 500)
      .map((u) => u.id);
    expect(who).toHaveLength(500);
    const before = fake.calls.length;
    const { view, refused } = await ctx.approvals.request({
      who,
      reason: "seat review",
      force: true,
      actor: { slackUserId: ADMIN, label: `<@${ADMIN}>`, isAdmin: true },
      source: "slack",
    });
    expect(refused).toEqual([]);
    expect(view.subjects).toHaveLength(500);
    expect(view.subjects.filter((s) => s.approverKind === "unassigned")).toHaveLength(0);
    const people = fake.calls
      .slice(before)
      .filter((c) => c.method === "users.lookupByEmail" || c.method === "users.list");
    expect(people.filter((c) => c.result.ok).length).toBeLessThanOrEqual(25);
    // 1,201 Slack users: two pages, the second after the window's Retry-After.
    expect(people.filter((c) => c.method === "users.list" && c.result.ok)).toHaveLength(2);
  }, 120_000);
});
