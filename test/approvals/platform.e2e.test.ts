import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTIONS, VIEWS } from "../../src/slack/ids.js";
import { STEP_CALLBACK_ID } from "../../src/slack/workflowStep.js";
import { buttonClick, postSigned, reasonModalSubmission, slashCommand } from "../helpers/fakeSlack.js";
import { ID, knownOrg } from "../helpers/org.js";
import { type SlackRig, startSlackRig } from "../helpers/slackRig.js";
import { CHANNEL, PATCH, slackIdOf } from "./helpers.js";

/**
 * Issue 21 through a real Bolt app: Workflow Builder's "Request Gong deactivation" step (a signed
 * function_executed against the strict fake Slack, which takes one completion per execution with the
 * outputs manifest.yml declares), and the seat holder's own say (GONGOPS_NOTIFY_SUBJECT).
 */
const SECRET = "platform-signing-secret-0123456789";
const ADMIN = "UADMIN1";
const dmTo = (user: string) => `D${user.replace(/^U/, "")}`;

async function startRig(env: Record<string, string>): Promise<SlackRig> {
  return startSlackRig({
    org: knownOrg(),
    secret: SECRET,
    admin: ADMIN,
    before: (s, f) => {
      for (const u of s.org.users()) f.emails.set(slackIdOf(u.id), u.emailAddress);
      f.emails.set(ADMIN, "admin@acme.example");
    },
    env: { GONGOPS_APPROVALS_CHANNEL: CHANNEL, GONGOPS_AUDIT_ACTIVITY: "hosted", ...env },
    app: { updateEveryMs: undefined },
  });
}

function clicker(rig: SlackRig) {
  let seq = 0;
  return async (user: string, actionId: string, value: string) => {
    const id = `b${++seq}`;
    const body = buttonClick({ user, actionId, value, responseUrl: rig.fake.responseUrl(id) });
    const res = await postSigned(rig.events, SECRET, body, "application/x-www-form-urlencoded");
    expect(res.status).toBe(200);
    return id;
  };
}

describe("Workflow Builder: Request Gong deactivation", () => {
  let rig: SlackRig;
  beforeAll(async () => {
    rig = await startRig({});
  });
  afterAll(async () => rig?.stop());

  it("a signed function_executed files a request; the manager approves; one PATCH; the step completes once with outcome deactivated", async () => {
    const { fake, sim, ctx } = rig;
    const click = clicker(rig);
    const fay = slackIdOf(ID.fay);
    const step = fake.startFunction(STEP_CALLBACK_ID, {
      user: fay,
      reason: "left the team",
      requested_by: ADMIN,
    });
    const sent = await postSigned(rig.events, SECRET, step.body, "application/json");
    expect(sent.status).toBe(200);
    // Slack sends an event again when it is unsure of the ack: still one request.
    await postSigned(rig.events, SECRET, step.body, "application/json");

    const mgr = slackIdOf(ID.mgr);
    await fake.waitFor(() => fake.callsOf("chat.postMessage").find((c) => c.args.channel === dmTo(mgr)));
    const subjects = ctx.repos.approvals.subjectsOfUser(ID.fay);
    expect(subjects).toHaveLength(1);
    expect(ctx.repos.approvals.request(subjects[0]!.requestId)!.source).toBe("workflow");
    expect(fake.executions.get(step.executionId)!.ended).toBeNull();

    const c = await click(mgr, ACTIONS.approve, String(subjects[0]!.id));
    await fake.waitFor(() => fake.repliesTo(c)[0]);
    const ended = await fake.waitFor(() => fake.executions.get(step.executionId)!.ended, 15_000);
    expect(ended).toEqual({
      outputs: expect.objectContaining({
        request_id: String(subjects[0]!.requestId),
        outcome: "deactivated",
        decider: mgr,
        dry_run: false,
      }),
    });
    expect(sim.stats.byEndpoint[PATCH] ?? 0).toBe(1);
    expect(sim.org.user(ID.fay)!.active).toBe(false);
    const completions = () =>
      fake.calls.filter((x) => x.method.startsWith("functions.complete") && x.result.ok);
    expect(completions()).toHaveLength(1);
    await fake.waitFor(() => ctx.repos.workflowSteps.get(step.executionId)!.completion === "completed");
  }, 30_000);

  it("a step for someone plainly active (a call 30 days ago) fails saying what the activity was; nothing is filed", async () => {
    const { fake, ctx, sim } = rig;
    sim.org.addCall({ primaryUserId: ID.olga, at: Date.now() - 30 * 86_400_000 });
    const requests = ctx.approvals.list({}).length;
    const step = fake.startFunction(STEP_CALLBACK_ID, {
      email: sim.org.user(ID.olga)!.emailAddress,
      reason: "seat review",
      requested_by: ADMIN,
    });
    await postSigned(rig.events, SECRET, step.body, "application/json");
    const ended = await fake.waitFor(() => fake.executions.get(step.executionId)!.ended, 15_000);
    expect(ended).toEqual({
      error: expect.stringMatching(
        /^Gong deactivation not requested: .*Olga Alone was active in the last 90 days: hosted a call on \d{4}-\d\d-\d\d/,
      ),
    });
    // A workflow has no --force: the way on is an admin's filing, not a flag it cannot give.
    const error = (ended as { error: string }).error;
    expect(error).toMatch(
      /a workflow cannot file someone active; an admin can, with \/gong deactivate … --force/,
    );
    expect(error).not.toMatch(/file with --force/);
    expect(ctx.approvals.list({}).length).toBe(requests);
  }, 30_000);

  it("a step that cannot be filed fails with a plain message (not in Gong), and nothing is filed", async () => {
    const { fake, ctx } = rig;
    const requests = ctx.approvals.list({}).length;
    const step = fake.startFunction(STEP_CALLBACK_ID, { email: "nobody@elsewhere.example", reason: "gone" });
    await postSigned(rig.events, SECRET, step.body, "application/json");
    const ended = await fake.waitFor(() => fake.executions.get(step.executionId)!.ended, 15_000);
    expect(ended).toEqual({
      error: expect.stringMatching(/^Gong deactivation not requested: .*nobody@elsewhere\.example/),
    });
    expect(ctx.approvals.list({}).length).toBe(requests);
  }, 30_000);
});

describe("/gong doctor", () => {
  let rig: SlackRig;
  beforeAll(async () => {
    rig = await startRig({});
  });
  afterAll(async () => rig?.stop());

  it("answers an admin ephemerally, one line per check, the running worker included; refuses others", async () => {
    const ask = async (user: string, id: string) => {
      await postSigned(
        rig.events,
        SECRET,
        slashCommand({ user, text: "doctor", responseUrl: rig.fake.responseUrl(id) }),
        "application/x-www-form-urlencoded",
      );
      return rig.fake.waitFor(() => rig.fake.repliesTo(id)[0], 15_000);
    };
    const answer = await ask(ADMIN, "d1");
    expect(answer.response_type).toBe("ephemeral");
    expect(answer.text).toMatch(/^All checks passed\./);
    expect(answer.text).toMatch(/✓ Gong users/);
    expect(answer.text).toMatch(/✓ Slack scopes/);
    expect(answer.text).toMatch(/✓ Store job worker: running/);
    expect(answer.text).not.toContain("xoxb-test-token");
    const other = await ask(slackIdOf(ID.dana), "d2");
    expect(other.text).not.toMatch(/Gong users/);
  }, 30_000);
});

describe("the seat holder's own say (GONGOPS_NOTIFY_SUBJECT=true)", () => {
  let rig: SlackRig;
  beforeAll(async () => {
    rig = await startRig({ GONGOPS_NOTIFY_SUBJECT: "true" });
  });
  afterAll(async () => rig?.stop());

  it("'I still need it' keeps them with their reason; the manager is never asked; the next audit says kept until", async () => {
    const { fake, ctx } = rig;
    const click = clicker(rig);
    const fay = slackIdOf(ID.fay);
    const mgr = slackIdOf(ID.mgr);
    const r = "r1";
    await postSigned(
      rig.events,
      SECRET,
      slashCommand({
        user: ADMIN,
        text: `deactivate ${rig.sim.org.user(ID.fay)!.emailAddress} --reason "seat review"`,
        responseUrl: fake.responseUrl(r),
      }),
      "application/x-www-form-urlencoded",
    );
    expect((await fake.waitFor(() => fake.repliesTo(r)[0])).text).toMatch(/Request #\d+ filed/);
    const dm = await fake.waitFor(() =>
      fake.callsOf("chat.postMessage").find((c) => c.args.channel === dmTo(fay)),
    );
    expect(dm.args.text).toMatch(
      /^Your Gong seat shows no activity since \d{4}-\d\d-\d\d\. It will be offered for removal on \d{4}-\d\d-\d\d\.$/,
    );
    const s = ctx.repos.approvals.subjectsOfUser(ID.fay)[0]!;
    expect(s.state).toBe("notice");

    // Nobody else answers for them; their manager cannot decide while they are asked.
    const other = await click(mgr, ACTIONS.holderKeep, String(s.id));
    expect((await fake.waitFor(() => fake.repliesTo(other)[0])).text).toMatch(/only the seat holder/);
    const early = await click(mgr, ACTIONS.approve, String(s.id));
    expect((await fake.waitFor(() => fake.repliesTo(early)[0])).text).toMatch(/asked first/);

    await click(fay, ACTIONS.holderKeep, String(s.id));
    const opened = await fake.waitFor(() => fake.callsOf("views.open").at(-1));
    expect(opened.args.view.callback_id).toBe(VIEWS.holderKeep);
    const reason = "back from leave next week <!channel>";
    const submitted = await postSigned(
      rig.events,
      SECRET,
      reasonModalSubmission({ user: fay, callbackId: VIEWS.holderKeep, metadata: String(s.id), reason }),
      "application/x-www-form-urlencoded",
    );
    expect(submitted.status).toBe(200);
    const kept = await fake.waitFor(() => {
      const x = ctx.repos.approvals.subject(s.id)!;
      return x.state === "kept" ? x : null;
    });
    expect(kept).toMatchObject({ holderAnswer: "kept", stateReason: reason, decidedBy: fay });

    const report = await ctx.audit!.start({ days: 90, trigger: "test" });
    const set = report.exempt.find((e) => e.id === ID.fay);
    expect(set?.reason).toMatch(
      /^kept until \d{4}-\d\d-\d\d, by Fay Ng \(the seat holder\): back from leave next week/,
    );
    expect(report.inactive.map((u) => u.id)).not.toContain(ID.fay);
    // The holder's DM lost its buttons; the manager never heard of it; nothing changed in Gong.
    await fake.waitFor(() =>
      fake
        .callsOf("chat.update")
        .find(
          (c) => c.args.ts === dm.result.ts && !JSON.stringify(c.args.blocks).includes(ACTIONS.holderKeep),
        ),
    );
    expect(fake.callsOf("chat.postMessage").filter((c) => c.args.channel === dmTo(mgr))).toHaveLength(0);
    expect(rig.sim.stats.byEndpoint[PATCH] ?? 0).toBe(0);
    // Slack-escaped: the reason never pings a channel.
    const shown = fake
      .callsOf("chat.update")
      .filter((c) => c.args.ts === dm.result.ts)
      .at(-1)!;
    expect(JSON.stringify(shown.args.blocks)).not.toContain("<!channel>");
  }, 30_000);
});
