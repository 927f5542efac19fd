import { webApi } from "@slack/bolt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chooseApprover, type OrgPerson, type SlackPeople } from "../../src/approvals/approver.js";
import { systemClock } from "../../src/clock.js";
import { SlackPeopleDirectory } from "../../src/slack/approvals.js";
import { FakeSlack } from "../helpers/fakeSlack.js";
import { captureLog } from "../helpers/log.js";

/** Approvers matched to Slack people safely, against the fake Slack Web API. */
let fake: FakeSlack;
let people: SlackPeopleDirectory;
beforeAll(async () => {
  fake = await FakeSlack.start();
  const client = new webApi.WebClient("xoxb-test-token", {
    slackApiUrl: `${fake.url}/api/`,
    retryConfig: { retries: 2 },
  });
  people = new SlackPeopleDirectory(() => client, captureLog().log, systemClock);
  for (const id of ["sub", "mgr", "vp", "ceo"]) fake.emails.set(`U${id.toUpperCase()}`, `${id}@x.example`);
});
afterAll(async () => fake.close());

const org: Record<string, OrgPerson> = {
  sub: { id: "sub", email: "sub@x.example", name: "Sub", active: true, managerId: "mgr" },
  mgr: { id: "mgr", email: "mgr@x.example", name: "Mgr", active: true, managerId: "vp" },
  vp: { id: "vp", email: "vp@x.example", name: "Vp", active: true, managerId: "ceo" },
  ceo: { id: "ceo", email: "ceo@x.example", name: "Ceo", active: true, managerId: null },
};
const choose = (slack: SlackPeople = people.session()) =>
  chooseApprover({
    subject: org.sub!,
    person: (id) => org[id],
    slack,
    requesterSlackId: null,
    allowSelfApproval: false,
  });

describe("Slack people for approvals", () => {
  it("callers during a users.list pass join it; a finished pass is never reused", async () => {
    const lists = () => fake.callsOf("users.list").length;
    const before = lists();
    const [a, b] = await Promise.all([people.accounts(), people.accounts()]);
    expect(a).toBe(b);
    expect(lists() - before).toBe(1);
    fake.deletedUsers.add("UMGR");
    try {
      const after = await people.accounts();
      expect(lists() - before).toBe(2);
      expect(after.find((x) => x.userId === "UMGR")).toMatchObject({ deleted: true });
    } finally {
      fake.deletedUsers.delete("UMGR");
    }
  });

  it("a manager deactivated in Slack is not asked, a minute later as at once (no stale cache)", async () => {
    // The directory itself, as every pass and every decision asks it.
    expect(await choose(people)).toMatchObject({ slackUserId: "UMGR" });
    fake.deletedUsers.add("UMGR");
    try {
      expect(await choose(people)).toMatchObject({
        slackUserId: "UVP",
        reason: expect.stringMatching(/Mgr is deactivated in Slack/),
      });
    } finally {
      fake.deletedUsers.delete("UMGR");
    }
  });

  it("bots and guests are never approvers", async () => {
    fake.botUsers.add("UMGR");
    fake.guestUsers.add("UVP");
    try {
      expect(await choose()).toMatchObject({
        slackUserId: "UCEO",
        reason: expect.stringMatching(/Mgr is a bot in Slack; the next manager up Vp is a guest in Slack/),
      });
    } finally {
      fake.botUsers.delete("UMGR");
      fake.guestUsers.delete("UVP");
    }
  });

  it("a large pass reads users.list page by page, waiting out its rate limit (Retry-After)", async () => {
    for (let i = 0; i < 1500; i++) fake.emails.set(`UX${i}`, `x${i}@x.example`);
    // The second page is refused once with 429 and Retry-After, whatever the machine's speed.
    fake.rateLimits.push({ method: "users.list", match: (args) => Boolean(args.cursor), times: 1 });
    const before = fake.calls.length;
    const session = people.session();
    const found = await Promise.all(
      Array.from({ length: 300 }, (_, i) => session.byEmail(`x${i * 5}@x.example`)),
    );
    expect(found.every((f) => f?.userId.startsWith("UX"))).toBe(true);
    const calls = fake.calls.slice(before);
    const list = calls.filter((c) => c.method === "users.list");
    expect(list.filter((c) => c.result.ok)).toHaveLength(2); // 1,504 users, 1,000 a page
    expect(list.some((c) => c.result.error === "ratelimited")).toBe(true);
    expect(calls.filter((c) => c.method === "users.lookupByEmail").length).toBeLessThanOrEqual(20);
  }, 30_000);
});
