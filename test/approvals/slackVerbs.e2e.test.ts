import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { terminalActor } from "../../src/approvals/types.js";
import type { GongContext } from "../../src/context.js";
import type { GongSim } from "../../src/sim/server.js";
import { ACTIONS, VIEWS } from "../../src/slack/ids.js";
import { CHAINED } from "../helpers/chained.js";
import {
  appHomeOpened,
  buttonClick,
  type FakeSlack,
  postSigned,
  reasonModalSubmission,
  slashCommand,
} from "../helpers/fakeSlack.js";
import { ID, knownOrg } from "../helpers/org.js";
import { type SlackRig, startSlackRig } from "../helpers/slackRig.js";
import { CHANNEL, slackIdOf } from "./helpers.js";

/**
 * Slack does what the terminal does (issue 23 §3): `/gong requests`, `/gong trail`, `/gong reactivate`,
 * an admin deciding in the approver's place (an override, with its reason), Reactivate asking for a
 * reason, and Retry on a failed deactivation. Signed requests to a real Bolt app; Slack's Web API is
 * FakeSlack (which refuses what breaks Block Kit's limits); Gong and its SCIM are the simulator.
 */
const SECRET = "verbs-signing-secret-0123456789abcdef";
const ADMIN = "UADMIN1";
const ADMIN2 = "UADMIN2";
const FORM = "application/x-www-form-urlencoded";
let rig: SlackRig;
let sim: GongSim;
let fake: FakeSlack;
let ctx: GongContext & { lines: string[] };
let events = "";
let seq = 0;

beforeAll(async () => {
  rig = await startSlackRig({
    org: knownOrg(),
    secret: SECRET,
    admin: `${ADMIN},${ADMIN2}`,
    before: (s, f) => {
      for (const u of s.org.users()) f.emails.set(slackIdOf(u.id), u.emailAddress);
      f.emails.set(ADMIN, "admin@acme.example");
      f.emails.set(ADMIN2, "admin2@acme.example");
    },
    env: { GONGOPS_APPROVALS_CHANNEL: CHANNEL, GONGOPS_AUDIT_ACTIVITY: "hosted" },
    app: { updateEveryMs: undefined },
  });
  ({ sim, fake, ctx, events } = rig);
});
afterAll(async () => rig?.stop());

async function gong(user: string, text: string): Promise<string> {
  const id = `r${++seq}`;
  await postSigned(events, SECRET, slashCommand({ user, text, responseUrl: fake.responseUrl(id) }), FORM);
  return id;
}
async function click(user: string, actionId: string, value: string): Promise<string> {
  const id = `b${++seq}`;
  await postSigned(
    events,
    SECRET,
    buttonClick({ user, actionId, value, responseUrl: fake.responseUrl(id) }),
    FORM,
  );
  return id;
}
const submit = (user: string, callbackId: string, metadata: string, reason: string) =>
  postSigned(events, SECRET, reasonModalSubmission({ user, callbackId, metadata, reason }), FORM);
const reply = (id: string) => fake.waitFor(() => fake.repliesTo(id)[0]);
const replyText = async (id: string) => {
  const r = await reply(id);
  return `${r.text} ${JSON.stringify(r.blocks ?? [])}`;
};
const email = (id: string) => sim.org.user(id)!.emailAddress;
const subjectOf = (gongId: string) => ctx.repos.approvals.subjectsOfUser(gongId)[0]!;
const stateOf = (id: number) => ctx.repos.approvals.subject(id)!.state;
const trailOf = (id: number) => ctx.approvals.trail().filter((t) => t.subjectId === id);
/** The views.open calls since `before`, once one more arrives. */
const openedAfter = (before: number) =>
  fake
    .waitFor(() => fake.callsOf("views.open").slice(before)[0])
    .then((c) => (typeof c.args.view === "string" ? JSON.parse(c.args.view) : c.args.view));
/** A DM the app sent `user` since `before` whose text matches. */
const dmAfter = (before: number, user: string, text: RegExp) =>
  fake.waitFor(() =>
    fake
      .callsOf("chat.postMessage")
      .slice(before)
      .find((c) => c.args.channel === user && text.test(String(c.args.text))),
  );

async function filed(gongId: string): Promise<number> {
  expect(await replyText(await gong(ADMIN, `deactivate ${email(gongId)} --reason "seat review"`))).toMatch(
    /Request #\d+ filed/,
  );
  const s = subjectOf(gongId);
  await fake.waitFor(() => ctx.repos.approvals.subject(s.id)!.approverKind !== "unassigned");
  return s.id;
}

describe("/gong requests, trail and reactivate", CHAINED, () => {
  it("are for admins: a member is refused and nothing is shown", async () => {
    for (const sub of ["requests", "trail", `reactivate ${email(ID.fay)} back`]) {
      const text = await replyText(await gong(slackIdOf(ID.dana), sub));
      expect(text).toMatch(/Only gongops admins can run `\/gong (requests|trail|reactivate)`/);
    }
  });
});

describe("an admin decides in the approver's place", CHAINED, () => {
  it("Approve by an admin who was not asked opens a modal for the reason; the trail records an override", async () => {
    const id = await filed(ID.fay);
    const list = await replyText(await gong(ADMIN2, "requests"));
    expect(list).toMatch(/1 open deactivation request/);
    expect(list).toContain(`#${subjectOf(ID.fay).requestId}`);
    // One request, with its buttons: an admin sees the Approve of a decision that is someone else's.
    const one = await replyText(await gong(ADMIN2, `requests ${subjectOf(ID.fay).requestId}`));
    expect(one).toContain(ACTIONS.approve);
    expect(one).toContain(`"value":"${id}"`);
    expect(one).toContain(`decides: <@${slackIdOf(ID.mgr)}>`);

    const before = fake.callsOf("views.open").length;
    await click(ADMIN2, ACTIONS.approve, String(id));
    const view = await openedAfter(before);
    expect(view.callback_id).toBe(VIEWS.overrideReason);
    expect(JSON.stringify(view.blocks)).toContain(`in place of <@${slackIdOf(ID.mgr)}>`);
    expect(stateOf(id)).toBe("pending");

    // No reason: refused in the modal, nothing decided.
    const blank = await submit(ADMIN2, VIEWS.overrideReason, view.private_metadata, "   ");
    expect(await blank.json()).toMatchObject({
      response_action: "errors",
      errors: { reason: expect.any(String) },
    });
    expect(stateOf(id)).toBe("pending");

    const dms = fake.callsOf("chat.postMessage").length;
    await submit(ADMIN2, VIEWS.overrideReason, view.private_metadata, "Émile is on leave until March");
    await dmAfter(dms, ADMIN2, /^Fay Ng: approved by you in the approver's place \(an admin override/);
    await fake.waitFor(() => stateOf(id) === "done", 10_000);
    expect(trailOf(id).find((t) => t.toState === "approved")).toMatchObject({
      actor: `<@${ADMIN2}>`,
      override: true,
      why: "Émile is on leave until March",
    });
    // A member's click on the same kind of button is still refused outright.
    const bystander = await click(slackIdOf(ID.dana), ACTIONS.keep, String(id));
    expect((await reply(bystander)).text).toMatch(/already decided/);
  });
});

describe("Reactivate asks for a reason", CHAINED, () => {
  it("the button opens a modal whose reason is required and recorded; a bystander is refused at the click", async () => {
    const id = subjectOf(ID.fay).id;
    expect(stateOf(id)).toBe("done");
    const bystander = await click(slackIdOf(ID.dana), ACTIONS.reactivate, String(id));
    expect((await reply(bystander)).text).toMatch(/only admins and the approver/);
    const before = fake.callsOf("views.open").length;
    await click(ADMIN2, ACTIONS.reactivate, String(id));
    const view = await openedAfter(before);
    expect(view.callback_id).toBe(VIEWS.reactivateReason);
    // Clicking alone changes nothing: the modal is the confirmation.
    expect(stateOf(id)).toBe("done");
    expect(sim.org.user(ID.fay)!.active).toBe(false);
    const blank = await submit(ADMIN2, VIEWS.reactivateReason, view.private_metadata, "");
    expect(await blank.json()).toMatchObject({ response_action: "errors" });
    const dms = fake.callsOf("chat.postMessage").length;
    await submit(ADMIN2, VIEWS.reactivateReason, view.private_metadata, "back from leave");
    await dmAfter(dms, ADMIN2, /Fay Ng is active again in Gong/);
    expect(stateOf(id)).toBe("reactivated");
    expect(sim.org.user(ID.fay)!.active).toBe(true);
    expect(trailOf(id).at(-1)).toMatchObject({ toState: "reactivated", actor: "gongops" });
    expect(trailOf(id).at(-1)!.why).toMatch(new RegExp(`by <@${ADMIN2}>: back from leave$`));
  });
});

describe("/gong trail and /gong reactivate", CHAINED, () => {
  it("/gong trail <@U…|name> (as Slack escapes a mention) is that person's trail only", async () => {
    const other = await filed(ID.eli);
    // The mention arrives as Slack sends it, with the name after the bar.
    const text = await replyText(await gong(ADMIN, `trail <@${slackIdOf(ID.fay)}|fay>`));
    expect(text).toMatch(/The trail of Fay Ng/);
    expect(text).toContain("(override)");
    expect(text).toContain("back from leave");
    expect(text).not.toContain("Eli Park");
    const all = await replyText(await gong(ADMIN, "trail"));
    expect(all).toContain("Eli Park");
    expect(all).toContain("Fay Ng");
    expect(stateOf(other)).toBe("pending");
  });

  it("/gong reactivate <who> <reason> undoes a deactivation; without a reason it is refused", async () => {
    const id = subjectOf(ID.eli).id;
    await click(slackIdOf(ID.ceo), ACTIONS.approve, String(id));
    await fake.waitFor(() => stateOf(id) === "done", 10_000);
    const mention = `<@${slackIdOf(ID.eli)}|eli>`;
    const bare = await replyText(await gong(ADMIN, `reactivate ${mention}`));
    expect(bare).toMatch(/say who and why/);
    expect(stateOf(id)).toBe("done");
    const done = await replyText(await gong(ADMIN, `reactivate ${mention} rehired in sales`));
    expect(done).toMatch(/Eli Park is active again in Gong: rehired in sales/);
    expect(stateOf(id)).toBe("reactivated");
    expect(sim.org.user(ID.eli)!.active).toBe(true);
    expect(trailOf(id).at(-1)!.why).toMatch(new RegExp(`by <@${ADMIN}>: rehired in sales$`));
  });

  it("a long trail stays inside Block Kit's limits and points to the CLI for the rest", async () => {
    // Enough moves that the trail outgrows one reply: filings and withdrawals of one person.
    for (let i = 0; i < 25; i++) {
      const s = await ctx.approvals.request({
        who: [email(ID.olga)],
        reason: `round ${i} ${"x".repeat(400)}`,
        actor: { slackUserId: null, label: "ops@desk (terminal)", isAdmin: true },
        source: "cli",
      });
      ctx.approvals.withdraw(s.view.subjects[0]!.id, `withdrawn ${"y".repeat(400)}`);
    }
    expect(ctx.approvals.trail().length).toBeGreaterThan(40);
    const r = await reply(await gong(ADMIN, "trail"));
    expect(r.text).toBe("The deactivation trail");
    expect(r.blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(r.blocks)).toMatch(
      /The newest 40 of \d+ rows\. `gongops trail --format csv` has them all/,
    );
  });
});

describe("Retry on a failed deactivation", CHAINED, () => {
  it("a SCIM 401 fails it; once fixed an admin's Retry runs it again without a new approval; the trail names who", async () => {
    const id = await filed(ID.will);
    sim.addFault({ fault: { kind: "status", status: 401 }, endpoint: "GET /scim/v2/Users", times: 1 });
    const posted = fake.callsOf("chat.postMessage").length;
    await click(slackIdOf(ID.x), ACTIONS.approve, String(id));
    await fake.waitFor(() => stateOf(id) === "failed", 10_000);
    expect(ctx.repos.approvals.subject(id)!.stateReason).toMatch(/refused GONG_SCIM_TOKEN/);
    // The admins hear of it in the approvals channel, with Retry.
    const notice = await fake.waitFor(() =>
      fake
        .callsOf("chat.postMessage")
        .slice(posted)
        .find(
          (c) => c.args.channel === CHANNEL && JSON.stringify(c.args.blocks ?? "").includes(ACTIONS.retry),
        ),
    );
    expect(JSON.stringify(notice.args.blocks)).toContain(`"value":"${id}"`);
    // App Home's failed list has it too, for admins.
    const published = fake.callsOf("views.publish").length;
    await postSigned(events, SECRET, appHomeOpened(ADMIN, `Ev${++seq}`), "application/json");
    const home = await fake.waitFor(() =>
      fake
        .callsOf("views.publish")
        .slice(published)
        .find((c) => c.args.user_id === ADMIN),
    );
    expect(JSON.stringify(home.args.view)).toContain(ACTIONS.retry);
    expect(JSON.stringify(home.args.view)).toMatch(
      /Will Under · request #\d+: Gong SCIM refused GONG_SCIM_TOKEN/,
    );

    // Not an admin: refused, nothing moves.
    const approver = await click(slackIdOf(ID.x), ACTIONS.retry, String(id));
    expect((await reply(approver)).text).toMatch(/only admins can run a failed deactivation again/);
    expect(stateOf(id)).toBe("failed");

    const r = await click(ADMIN, ACTIONS.retry, String(id));
    expect((await reply(r)).text).toMatch(/Will Under is approved again/);
    await fake.waitFor(() => stateOf(id) === "done", 10_000);
    expect(sim.org.user(ID.will)!.active).toBe(false);
    const rows = trailOf(id);
    expect(rows.find((t) => t.fromState === "failed")).toMatchObject({
      toState: "approved",
      actor: `<@${ADMIN}>`,
      override: true,
    });
    // Every check ran again: the move to executing after the retry claimed a fresh slot of the cap.
    const retried = rows.findIndex((t) => t.fromState === "failed");
    expect(rows.slice(retried).map((t) => t.toState)).toContain("executing");
    // Done now: another click is refused in words.
    const again = await click(ADMIN, ACTIONS.retry, String(id));
    expect((await reply(again)).text).toMatch(/only a failed deactivation can be run again/);
  });
});

describe("who acted from the terminal reads by name", CHAINED, () => {
  it("a request filed at the terminal reads with the operator's name, also one stored the old way", async () => {
    const before = fake.callsOf("chat.postMessage").length;
    const filedAtTerminal = await ctx.approvals.request({
      who: [email(ID.zed)],
      reason: "seat review",
      actor: terminalActor("jane@laptop"),
      source: "cli",
    });
    expect(filedAtTerminal.refused).toEqual([]);
    // The approval message in Slack says who asked by name, where they asked from after.
    const asked = await fake.waitFor(() =>
      fake
        .callsOf("chat.postMessage")
        .slice(before)
        .find((c) => /asks to deactivate/.test(JSON.stringify(c.args.blocks ?? ""))),
    );
    const message = JSON.stringify(asked.args.blocks);
    expect(message).toContain("jane@laptop (terminal) asks to deactivate");
    expect(message).not.toMatch(/\bcli \(/);
    // A request and trail rows stored before, as "cli (…)", read the same way in Slack.
    const repo = ctx.repos.approvals;
    const at = new Date(ctx.clock.now()).toISOString();
    const old = repo.tx((tx) =>
      repo.createRequest(
        tx,
        {
          source: "cli",
          requestedBy: "cli (old@desk)",
          reason: "stored before",
          dryRun: false,
          activitySince: at,
          createdAt: at,
        },
        [{ userId: ID.big, name: "Max Id", approverKind: "channel", approverReason: "test" }],
        "cli (old@desk)",
      ),
    );
    const shown = await replyText(await gong(ADMIN, `requests ${old.request.id}`));
    expect(shown).toContain("old@desk (terminal)");
    expect(shown).not.toMatch(/\bcli \(/);
    const trail = await replyText(await gong(ADMIN, "trail"));
    expect(trail).toContain("old@desk (terminal)");
    expect(trail).toContain("jane@laptop (terminal)");
    expect(trail).not.toMatch(/\bcli \(/);
  });
});
