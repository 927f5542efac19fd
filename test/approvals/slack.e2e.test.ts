import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GongContext } from "../../src/context.js";
import type { GongSim } from "../../src/sim/server.js";
import { ACTIONS, VIEWS } from "../../src/slack/ids.js";
import { CHAINED } from "../helpers/chained.js";
import {
  appHomeOpened,
  buttonClick,
  type FakeSlack,
  homeButtonClick,
  postSigned,
  reasonModalSubmission,
  requestModalSubmission,
  slashCommand,
} from "../helpers/fakeSlack.js";
import { ID, knownOrg } from "../helpers/org.js";
import { type SlackRig, startSlackRig } from "../helpers/slackRig.js";
import { CHANNEL, PATCH, slackIdOf } from "./helpers.js";

/**
 * The approval flow through Slack: signed requests to a real Bolt app, Slack's Web API played by
 * FakeSlack (users.lookupByEmail included), Gong and its SCIM by the simulator (PATCHes counted).
 */
const SECRET = "approvals-signing-secret-0123456789";
const ADMIN = "UADMIN1";
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
    admin: ADMIN,
    before: (s, f) => {
      for (const u of s.org.users()) f.emails.set(slackIdOf(u.id), u.emailAddress);
      f.emails.set(ADMIN, "admin@acme.example");
    },
    env: {
      GONGOPS_APPROVALS_CHANNEL: CHANNEL,
      // The generated org's calls only: the audit here is about hosted calls.
      GONGOPS_AUDIT_ACTIVITY: "hosted",
    },
    app: { updateEveryMs: undefined },
  });
  ({ sim, fake, ctx, events } = rig);
});
afterAll(async () => rig?.stop());

async function gong(user: string, text: string): Promise<string> {
  const id = `r${++seq}`;
  await postSigned(
    events,
    SECRET,
    slashCommand({ user, text, responseUrl: fake.responseUrl(id) }),
    "application/x-www-form-urlencoded",
  );
  return id;
}
async function click(user: string, actionId: string, value: string, team = "T1"): Promise<string> {
  const id = `b${++seq}`;
  let body = buttonClick({ user, actionId, value, responseUrl: fake.responseUrl(id) });
  if (team !== "T1") body = body.replaceAll("%22T1%22", `%22${team}%22`);
  await postSigned(events, SECRET, body, "application/x-www-form-urlencoded");
  return id;
}
const reply = (id: string) => fake.waitFor(() => fake.repliesTo(id)[0]);
const patches = () => sim.stats.byEndpoint[PATCH] ?? 0;
const email = (id: string) => sim.org.user(id)!.emailAddress;
const dmTo = (user: string) => `D${user.replace(/^U/, "")}`;

describe("approvals in Slack", CHAINED, () => {
  it("/gong deactivate → a DM to the manager → non-approvers refused → two Approve clicks → one PATCH", async () => {
    const r = await gong(ADMIN, `deactivate ${email(ID.fay)} --reason "no calls in 90 days"`);
    expect((await reply(r)).text).toMatch(/Request #\d+ filed for Fay Ng/);
    const mgr = slackIdOf(ID.mgr);
    const dm = await fake.waitFor(() =>
      fake.callsOf("chat.postMessage").find((c) => c.args.channel === dmTo(mgr)),
    );
    const text = JSON.stringify(dm.args.blocks);
    expect(text).toContain("Fay Ng");
    expect(text).toContain(ACTIONS.approve);
    expect(text).toMatch(/manager in Gong/);
    const subjectId = ctx.repos.approvals.subjectsOfUser(ID.fay)[0]!.id;

    // A bystander, the subject, and the requester are refused; nothing changes.
    for (const who of [slackIdOf(ID.dana), slackIdOf(ID.fay), ADMIN]) {
      const c = await click(who, ACTIONS.approve, String(subjectId));
      expect((await reply(c)).text).toMatch(/not yours to decide|yourself|you asked/);
    }
    // Another workspace's payload is refused before anything.
    const other = await click(mgr, ACTIONS.approve, String(subjectId), "T2");
    expect((await reply(other)).text).toMatch(/another workspace/);
    expect(ctx.repos.approvals.subject(subjectId)!.state).toBe("pending");

    const [a, b] = await Promise.all([
      click(mgr, ACTIONS.approve, String(subjectId)),
      click(mgr, ACTIONS.approve, String(subjectId)),
    ]);
    const texts = [(await reply(a)).text, (await reply(b)).text];
    // Who decided is a real mention, never escaped text ("&lt;@U…&gt;").
    expect(texts.filter((t: string) => t === `Fay Ng: approved by <@${mgr}>`)).toHaveLength(1);
    expect(texts.join("\n")).not.toContain("&lt;@");
    expect(texts.filter((t: string) => /already decided/.test(t))).toHaveLength(1);
    await fake.waitFor(() => ctx.repos.approvals.subject(subjectId)!.state === "done", 10_000);
    expect(patches()).toBe(1);
    expect(sim.org.user(ID.fay)!.active).toBe(false);
    // The message follows the state: no buttons, who decided.
    const update = await fake.waitFor(() =>
      fake
        .callsOf("chat.update")
        .filter((c) => c.args.ts === dm.result.ts)
        .find((c) => JSON.stringify(c.args.blocks).includes("deactivated")),
    );
    expect(JSON.stringify(update.args.blocks)).not.toContain(ACTIONS.approve);
    expect(JSON.stringify(update.args.blocks)).toContain(`<@${mgr}>`);
  });

  it("an inactive manager: the skip-level gets the DM; nobody reachable: the approvals channel", async () => {
    const r = await gong(ADMIN, `deactivate ${email(ID.dana)} ${email(ID.olga)} --reason "seat review"`);
    await reply(r);
    const ceo = slackIdOf(ID.ceo);
    const dm = await fake.waitFor(() =>
      fake
        .callsOf("chat.postMessage")
        .find((c) => c.args.channel === dmTo(ceo) && JSON.stringify(c.args.blocks).includes("Dana Lee")),
    );
    expect(JSON.stringify(dm.args.blocks)).toMatch(/Ben Down is inactive in Gong/);
    const inChannel = await fake.waitFor(() =>
      fake
        .callsOf("chat.postMessage")
        .find((c) => c.args.channel === CHANNEL && JSON.stringify(c.args.blocks).includes("Olga Alone")),
    );
    expect(JSON.stringify(inChannel.args.blocks)).toMatch(/any admin may decide in the approvals channel/);
    expect(patches()).toBe(1);
  });

  it("audit → Request deactivation… → modal (subset, reason) → approve → PATCH → Reactivate", async () => {
    const report = await ctx.audit!.start({ days: 90, trigger: "test" });
    expect(report.inactive.map((u) => u.id)).toContain(ID.mgr);
    const { auditSummaryBlocks } = await import("../../src/slack/blocks/audit.js");
    expect(JSON.stringify(auditSummaryBlocks(report, 0, new Map()))).toContain(ACTIONS.requestFromAudit);
    const c = await click(ADMIN, ACTIONS.requestFromAudit, String(report.runId));
    const opened = await fake.waitFor(() => fake.callsOf("views.open").at(-1));
    expect(JSON.stringify(opened.args.view)).toContain("Émile Zola");
    void c;
    const res = await postSigned(
      events,
      SECRET,
      requestModalSubmission({
        user: ADMIN,
        runId: report.runId,
        users: [ID.mgr],
        reason: "no calls this quarter",
      }),
      "application/x-www-form-urlencoded",
    );
    expect(res.status).toBe(200);
    await fake.waitFor(() =>
      fake
        .callsOf("chat.postMessage")
        .find((m) => m.args.channel === ADMIN && /Deactivation request #\d+: 1 user/.test(m.args.text)),
    );
    const vp = slackIdOf(ID.vpB);
    const dm = await fake.waitFor(() =>
      fake
        .callsOf("chat.postMessage")
        .find((m) => m.args.channel === dmTo(vp) && JSON.stringify(m.args.blocks).includes("Émile Zola")),
    );
    expect(JSON.stringify(dm.args.blocks)).toContain("no call in 90 days");
    const subjectId = ctx.repos.approvals.subjectsOfUser(ID.mgr)[0]!.id;
    await click(vp, ACTIONS.approve, String(subjectId));
    await fake.waitFor(() => ctx.repos.approvals.subject(subjectId)!.state === "done", 10_000);
    expect(sim.org.user(ID.mgr)!.active).toBe(false);
    const done = await fake.waitFor(() =>
      fake
        .callsOf("chat.update")
        .find(
          (u) => u.args.ts === dm.result.ts && JSON.stringify(u.args.blocks).includes(ACTIONS.reactivate),
        ),
    );
    expect(done).toBeTruthy();
    const bystander = await click(slackIdOf(ID.dana), ACTIONS.reactivate, String(subjectId));
    expect((await reply(bystander)).text).toMatch(/only admins and the approver/);
    // The click asks for the reason (and is the confirmation); the submission reactivates.
    const opened2 = fake.callsOf("views.open").length;
    await click(ADMIN, ACTIONS.reactivate, String(subjectId));
    await fake.waitFor(() => fake.callsOf("views.open").slice(opened2)[0]);
    await postSigned(
      events,
      SECRET,
      reasonModalSubmission({
        user: ADMIN,
        callbackId: VIEWS.reactivateReason,
        metadata: String(subjectId),
        reason: "needed after all",
      }),
      "application/x-www-form-urlencoded",
    );
    // The PATCH lands in Gong before the subject's row says so: wait for the row.
    await fake.waitFor(() => ctx.repos.approvals.subject(subjectId)!.state === "reactivated");
    expect(sim.org.user(ID.mgr)!.active).toBe(true);
  });

  it("App Home: the approver sees their pending decisions with buttons; admins see the overview", async () => {
    const home = async (user: string) => {
      const before = fake.callsOf("views.publish").length;
      const body = JSON.stringify({
        token: "legacy-unused",
        team_id: "T1",
        api_app_id: "A1",
        type: "event_callback",
        event_id: `Ev${++seq}`,
        event_time: Math.floor(Date.now() / 1000),
        event: { type: "app_home_opened", user, channel: "D1", tab: "home", event_ts: "1700000000.1" },
      });
      await postSigned(events, SECRET, body, "application/json");
      const publish = await fake.waitFor(() =>
        fake
          .callsOf("views.publish")
          .slice(before)
          .find((c) => c.args.user_id === user),
      );
      const view = typeof publish.args.view === "string" ? JSON.parse(publish.args.view) : publish.args.view;
      return JSON.stringify(view.blocks);
    };
    const ceo = await home(slackIdOf(ID.ceo)); // Dana Lee's skip-level, from the second test
    expect(ceo).toMatch(/Waiting for your decision/);
    expect(ceo).toContain("Dana Lee");
    expect(ceo).toContain(ACTIONS.approve);
    const admin = await home(ADMIN);
    expect(admin).toMatch(/Deactivation requests.*open · \d+ of 25 deactivations today/);
  });

  it("Keep asks for an optional reason, refused to others, and the trail records it", async () => {
    const subjectId = ctx.repos.approvals.subjectsOfUser(ID.dana)[0]!.id;
    const refused = await click(slackIdOf(ID.fay), ACTIONS.keep, String(subjectId));
    expect((await reply(refused)).text).toMatch(/not yours to decide/);
    const before = fake.callsOf("views.open").length;
    await click(slackIdOf(ID.ceo), ACTIONS.keep, String(subjectId));
    const opened = await fake.waitFor(() => fake.callsOf("views.open").slice(before)[0]);
    expect(JSON.stringify(opened.args.view)).toContain("gong_approval_keep_modal");
    await postSigned(
      events,
      SECRET,
      reasonModalSubmission({
        user: slackIdOf(ID.ceo),
        callbackId: VIEWS.keepReason,
        metadata: String(subjectId),
        reason: "covers EMEA next quarter",
      }),
      "application/x-www-form-urlencoded",
    );
    await fake.waitFor(() => ctx.repos.approvals.subject(subjectId)!.state === "kept");
    const t = ctx.approvals
      .trail()
      .filter((x) => x.subjectId === subjectId)
      .at(-1)!;
    expect(t).toMatchObject({ toState: "kept", why: "covers EMEA next quarter", override: false });
    await fake.waitFor(() =>
      fake
        .callsOf("chat.update")
        .find((u) => JSON.stringify(u.args.blocks).includes("*kept* by <@" + slackIdOf(ID.ceo))),
    );
  });

  it("/gong deactivate someone active: refused saying what the activity was; --force files them", async () => {
    sim.org.addCall({ primaryUserId: ID.will, at: Date.now() - 10 * 86_400_000 });
    const r = await gong(ADMIN, `deactivate ${email(ID.will)} --reason "seat review"`);
    expect((await reply(r)).text).toMatch(
      /Will Under was active in the last 90 days: hosted a call on \d{4}-\d\d-\d\d \(file with --force/,
    );
    const forced = await gong(ADMIN, `deactivate ${email(ID.will)} --reason "seat review" --force`);
    const filed = (await reply(forced)).text;
    expect(filed).toMatch(/Request #\d+ filed for Will Under/);
    // Filed, and the requester is still told what the activity was.
    expect(filed).toMatch(
      /Warning: Will Under was active in the last 90 days: hosted a call on \d{4}-\d\d-\d\d; filed with --force all the same/,
    );
    expect(ctx.repos.approvals.subjectsOfUser(ID.will)[0]!.evidence).toMatch(/^filed with --force although/);
  });

  it("Request deactivation… on an audit's finding warns the requester of someone plainly active (a call 30 days ago)", async () => {
    // Inactive for a 20-day audit, plainly active over the 90-day look-back: a call 30 days ago.
    sim.org.addCall({ primaryUserId: ID.zed, at: Date.now() - 30 * 86_400_000 });
    const report = await ctx.audit!.start({ days: 20, trigger: "test" });
    expect(report.inactive.map((u) => u.id)).toContain(ID.zed);
    await click(ADMIN, ACTIONS.requestFromAudit, String(report.runId));
    const dms = fake.callsOf("chat.postMessage").length;
    await postSigned(
      events,
      SECRET,
      requestModalSubmission({ user: ADMIN, runId: report.runId, users: [ID.zed], reason: "seat review" }),
      "application/x-www-form-urlencoded",
    );
    const told = await fake.waitFor(() =>
      fake
        .callsOf("chat.postMessage")
        .slice(dms)
        .find((m) => m.args.channel === ADMIN && /Deactivation request #\d+/.test(m.args.text)),
    );
    expect(told.args.text).toMatch(
      new RegExp(
        `Warning: Zed Lost was active in the last 90 days: hosted a call on \\d{4}-\\d\\d-\\d\\d; filed on audit #${report.runId}'s finding all the same`,
      ),
    );
    // The approver sees it in the evidence too.
    expect(ctx.repos.approvals.subjectsOfUser(ID.zed)[0]!.evidence).toMatch(
      /; but their own check found activity/,
    );
  });

  it("Request deactivation on a leaver's notice warns the requester of someone plainly active", async () => {
    sim.org.addCall({ primaryUserId: ID.big, at: Date.now() - 30 * 86_400_000 });
    const found = new Date().toISOString();
    ctx.repos.approvals.tx((tx) =>
      ctx.repos.leavers.add(tx, {
        userId: ID.big,
        email: email(ID.big).toLowerCase(),
        name: "Max Id",
        source: "slack",
        since: found,
        slackUserId: slackIdOf(ID.big),
        foundAt: found,
      }),
    );
    const r = await click(ADMIN, ACTIONS.requestLeaver, ID.big);
    const text = (await reply(r)).text;
    expect(text).toMatch(/Deactivation request #\d+ filed\./);
    expect(text).toMatch(
      /Warning: Max Id was active in the last 90 days: hosted a call on \d{4}-\d\d-\d\d; filed on their departure all the same/,
    );
  });

  it("an approver who is put in a request themselves cannot decide: their message loses the buttons and says who decides now", async () => {
    const ceo = slackIdOf(ID.ceo);
    const before = patches();
    const r = await gong(ADMIN, `deactivate ${email(ID.eli)} --reason "seat review"`);
    await reply(r);
    const subjectId = ctx.repos.approvals.subjectsOfUser(ID.eli)[0]!.id;
    const dm = await fake.waitFor(() =>
      fake
        .callsOf("chat.postMessage")
        .find((c) => c.args.channel === dmTo(ceo) && JSON.stringify(c.args.blocks).includes("Eli Park")),
    );
    await reply(await gong(ADMIN, `deactivate ${email(ID.ceo)} --reason "seat review"`));
    const c = await click(ceo, ACTIONS.approve, String(subjectId));
    expect((await reply(c)).text).toMatch(
      /you may no longer decide on Eli Park: you are in open deactivation request #\d+; the approvals channel decides now/,
    );
    expect(ctx.repos.approvals.subject(subjectId)).toMatchObject({
      state: "pending",
      approverKind: "channel",
    });
    const moved = await fake.waitFor(() =>
      fake
        .callsOf("chat.update")
        .filter((u) => u.args.ts === dm.result.ts)
        .find((u) => JSON.stringify(u.args.blocks).includes("the approvals channel decides now")),
    );
    expect(JSON.stringify(moved.args.blocks)).not.toContain(`"value":"${subjectId}"`);
    await fake.waitFor(() =>
      fake
        .callsOf("chat.postMessage")
        .find((m) => m.args.channel === CHANNEL && JSON.stringify(m.args.blocks).includes("Eli Park")),
    );
    expect(patches()).toBe(before);
  });
  it("App Home: Approve works where Slack sends no response_url; the answer is a DM and Home loses the button", async () => {
    await reply(await gong(ADMIN, `deactivate ${email(ID.x)} --reason "seat review"`));
    const s = ctx.repos.approvals.subjectsOfUser(ID.x)[0]!;
    expect(s.approverKind).toBe("user");
    const approver = s.approverSlackId!;
    expect(approver).toBe(slackIdOf(ID.y));
    // The approver looks at Home: their decision is there, with its buttons.
    const opened = fake.callsOf("views.publish").length;
    await postSigned(events, SECRET, appHomeOpened(approver, `Ev${++seq}`), "application/json");
    const first = await fake.waitFor(() =>
      fake
        .callsOf("views.publish")
        .slice(opened)
        .find((c) => c.args.user_id === approver),
    );
    expect(JSON.stringify(first.args.view)).toContain(`"value":"${s.id}"`);
    const before = patches();
    const published = fake.callsOf("views.publish").length;
    const dms = fake.callsOf("chat.postMessage").length;
    await postSigned(
      events,
      SECRET,
      homeButtonClick({ user: approver, actionId: ACTIONS.approve, value: String(s.id) }),
      "application/x-www-form-urlencoded",
    );
    const answer = await fake.waitFor(() =>
      fake
        .callsOf("chat.postMessage")
        .slice(dms)
        .find((c) => c.args.channel === approver && /Xavier Loop/.test(String(c.args.text))),
    );
    expect(String(answer.args.text)).toMatch(/^Xavier Loop: approved/);
    await fake.waitFor(() => patches() > before);
    const home = await fake.waitFor(() =>
      fake
        .callsOf("views.publish")
        .slice(published)
        .find((c) => c.args.user_id === approver),
    );
    expect(JSON.stringify(home.args.view)).not.toContain(`"value":"${s.id}"`);
    expect(ctx.repos.approvals.subject(s.id)!.state).not.toBe("pending");
  });
});
