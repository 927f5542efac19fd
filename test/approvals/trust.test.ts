import { afterEach, describe, expect, it } from "vitest";
import { approvalMessages } from "../../src/slack/blocks/approvals.js";
import { ACTIONS } from "../../src/slack/ids.js";
import { admin, asUser, ID, type Rig, rig, slackIdOf } from "./helpers.js";

/**
 * What gets filed and who may decide (issue 18, sections 2 and 4), against the simulator: each test
 * names the defect it pins down.
 */
let r: Rig;
afterEach(async () => {
  await r?.close();
});

const DAY = 86_400_000;
const requester = asUser("UREQUESTER", true);

function file(who: string[], opts: { dryRun?: boolean; force?: boolean; auditRunId?: number } = {}) {
  return r.ctx.approvals.request({ who, reason: "seat review", actor: requester, source: "slack", ...opts });
}
const refusals = (p: Promise<unknown>) =>
  p.then(
    () => "filed",
    (e: Error) => e.message,
  );

describe("what gets filed", () => {
  it("from an audit: exactly its inactive list under its own rule; the others refused with the audit's reason", async () => {
    r = await rig();
    const now = r.ctx.clock.now();
    // Under the default "any" rule Dana listens and Eli scores: neither hosted a call, both are active.
    r.sim.org.addActivity(ID.dana, "othersCallsListenedTo", now - 10 * DAY, 3);
    r.sim.org.addActivity(ID.olga, "callsScorecardsFilled", now - 20 * DAY);
    r.sim.org.addCall({ primaryUserId: ID.will, at: now - 5 * DAY });
    const report = await r.ctx.audit!.start({ days: 90, trigger: "test" });
    expect(report.rule).toBe("any");
    const inactive = report.inactive.map((u) => u.id);
    expect(inactive).not.toContain(ID.dana);
    expect(r.ctx.approvals.auditInactive(report.runId).map((u) => u.id)).toEqual(inactive);

    const { view, refused } = await file([ID.dana, ID.olga, ID.will, ID.vpA, ID.fay], {
      auditRunId: report.runId,
    });
    expect(view.subjects.map((s) => s.userId)).toEqual([ID.fay]);
    const why = Object.fromEntries(refused.map((x) => [x.who, x.why]));
    expect(why[ID.dana]).toMatch(/audit #\d+ found them active under the any rule: listened to 3 calls/);
    expect(why[ID.olga]).toMatch(/filled 1 scorecard/);
    expect(why[ID.will]).toMatch(/found them active.*hosted (a|1) call/);
    expect(why[ID.vpA]).toMatch(/not active in Gong/);
    // Its own evidence: that audit, its rule and look-back.
    const s = view.subjects[0]!;
    expect(s.auditRunId).toBe(report.runId);
    expect(s.lookbackDays).toBe(90);
    expect(s.evidence).toMatch(/^audit #\d+ \(the any rule\) found none of: any activity on the whole days/);
  });

  it("a direct filing checks each person itself: active means --force, and says what the activity was", async () => {
    r = await rig({ GONGOPS_AUDIT_ACTIVITY: "hosted" });
    await r.ctx.audit!.start({ days: 30, trigger: "test" });
    r.sim.org.addCall({ primaryUserId: ID.fay, at: r.ctx.clock.now() - 40 * DAY });
    const plain = await refusals(file([r.emailOf(ID.fay)]));
    expect(plain).toMatch(
      /Fay Ng was active in the last 90 days: hosted a call on \d{4}-\d\d-\d\d \(file with --force/,
    );
    const { view } = await file([r.emailOf(ID.fay), r.emailOf(ID.olga)], { force: true });
    const [fay, olga] = view.subjects;
    expect(fay!.evidence).toMatch(/^filed with --force although their own check found activity/);
    // Not the latest audit's 30-day window for everyone: each one's own 90-day check.
    expect(olga!.auditRunId).toBeNull();
    expect(olga!.lookbackDays).toBe(90);
    expect(olga!.evidence).toMatch(/^their own check found none of: calls hosted from/);
  });

  it("someone deactivated in Gong since the last sync is refused: Gong is read as the request is filed", async () => {
    r = await rig();
    r.sim.org.updateUser(ID.olga, { active: false });
    expect(await refusals(file([r.emailOf(ID.olga)]))).toMatch(
      /Olga Alone is not active in Gong \(read from Gong just now\)/,
    );
  });

  it("a manager's Keep starts the cool-down (GONGOPS_KEEP_COOLDOWN_DAYS); 0 turns it off", async () => {
    r = await rig();
    const { view } = await file([r.emailOf(ID.fay)]);
    await r.ctx.approvals.decide({
      subjectIds: [view.subjects[0]!.id],
      decision: "keep",
      actor: asUser(slackIdOf(ID.mgr)),
    });
    expect(await refusals(file([r.emailOf(ID.fay)]))).toMatch(
      /Fay Ng is kept until \d{4}-\d\d-\d\d, by Émile Zola: no reason given \(request #1, decided \d{4}-\d\d-\d\d; the keep cool-down, GONGOPS_KEEP_COOLDOWN_DAYS=90\)/,
    );
    await r.close();
    r = await rig({ GONGOPS_KEEP_COOLDOWN_DAYS: "0" });
    const first = await file([r.emailOf(ID.fay)]);
    await r.ctx.approvals.decide({
      subjectIds: [first.view.subjects[0]!.id],
      decision: "keep",
      actor: asUser(slackIdOf(ID.mgr)),
    });
    expect(await refusals(file([r.emailOf(ID.fay)]))).toBe("filed");
  });

  it("a dry run holds nothing: a real request can be filed beside it, a second dry run cannot", async () => {
    r = await rig();
    const dry = await file([r.emailOf(ID.olga)], { dryRun: true });
    expect(dry.view.subjects[0]!.dryRun).toBe(true);
    expect(await refusals(file([r.emailOf(ID.olga)]))).toBe("filed");
    expect(await refusals(file([r.emailOf(ID.olga)], { dryRun: true }))).toMatch(
      /already in open dry-run request #1/,
    );
    expect(await refusals(file([r.emailOf(ID.olga)]))).toMatch(/already in open request #2/);
  });

  it("only the approvals channel could decide and none is set: refused at filing, not left to expire", async () => {
    r = await rig({ GONGOPS_APPROVALS_CHANNEL: "" });
    const { view, refused } = await file([r.emailOf(ID.olga), r.emailOf(ID.fay)]);
    expect(view.subjects.map((s) => s.userId)).toEqual([ID.fay]);
    expect(refused[0]!.why).toMatch(
      /nobody up Olga Alone's reporting line can decide .*no approvals channel is set/,
    );
  });
});

describe("who may decide", () => {
  it("never an approver who is in the same request: the next one up gets it", async () => {
    r = await rig();
    const { view } = await file([r.emailOf(ID.mgr), r.emailOf(ID.fay)]);
    const fay = view.subjects.find((s) => s.userId === ID.fay)!;
    expect(fay.approverSlackId).toBe(slackIdOf(ID.vpB));
    expect(fay.approverReason).toMatch(/Émile Zola is in this deactivation request too/);
  });

  it("checked when they decide: an approver now in an open request themselves cannot, and it moves up", async () => {
    r = await rig();
    const { view } = await file([r.emailOf(ID.fay)]);
    const fay = view.subjects[0]!;
    expect(fay.approverSlackId).toBe(slackIdOf(ID.mgr));
    await file([r.emailOf(ID.mgr)]);
    const [o] = await r.ctx.approvals.decide({
      subjectIds: [fay.id],
      decision: "approve",
      actor: asUser(slackIdOf(ID.mgr)),
    });
    expect(o!.outcome).toBe("refused");
    expect(o!.message).toMatch(
      /you may no longer decide on Fay Ng: you are in open deactivation request #2; Chloé Côté decides now/,
    );
    const after = r.ctx.repos.approvals.subject(fay.id)!;
    expect(after).toMatchObject({ state: "pending", approverSlackId: slackIdOf(ID.vpB) });
    expect(after.formerApprovers).toEqual([slackIdOf(ID.mgr)]);
    const row = r.ctx.approvals
      .trail()
      .filter((t) => t.subjectId === fay.id)
      .at(-1)!;
    expect(row.why).toMatch(
      new RegExp(
        `^reassigned: Émile Zola is in open deactivation request #2; approver: Chloé Côté <@${slackIdOf(ID.vpB)}>`,
      ),
    );
    await r.settle();
    expect(r.patches()).toBe(0);
  });

  it("an approver deactivated in Gong since they were asked cannot decide (Gong is read when they click)", async () => {
    r = await rig();
    const { view } = await file([r.emailOf(ID.fay)]);
    r.sim.org.updateUser(ID.mgr, { active: false });
    const [o] = await r.ctx.approvals.decide({
      subjectIds: [view.subjects[0]!.id],
      decision: "approve",
      actor: asUser(slackIdOf(ID.mgr)),
    });
    expect(o!.message).toMatch(/you are no longer active in Gong; Chloé Côté decides now/);
    expect(r.ctx.repos.approvals.subject(view.subjects[0]!.id)!.state).toBe("pending");
  });

  it("the approver is part of the conditional UPDATE: a reassignment that landed first wins over the late click", async () => {
    r = await rig();
    const { view } = await file([r.emailOf(ID.fay)]);
    const s = view.subjects[0]!;
    const repo = r.ctx.repos.approvals;
    // The click is checked, and while it awaits Slack an escalation moves the subject up.
    const lookups = r.people;
    const fayEmail = r.emailOf(ID.fay).toLowerCase();
    const real = lookups.get(fayEmail)!;
    let escalated = false;
    lookups.set(fayEmail, {
      get userId() {
        if (!escalated) {
          escalated = true;
          repo.tx((tx) =>
            repo.transition(tx, {
              subjectId: s.id,
              from: ["pending"],
              to: "pending",
              actor: "gongops",
              why: "escalated",
              set: { approverSlackId: slackIdOf(ID.vpB), approverGongId: ID.vpB, approverName: "Chloé Côté" },
              now: new Date(r.ctx.clock.now()),
            }),
          );
        }
        return real.userId;
      },
      deleted: false,
    });
    const [o] = await r.ctx.approvals.decide({
      subjectIds: [s.id],
      decision: "approve",
      actor: asUser(slackIdOf(ID.mgr)),
    });
    expect(escalated).toBe(true);
    expect(o).toMatchObject({
      outcome: "refused",
      message: "no longer yours to decide: Chloé Côté decides now",
    });
    expect(repo.subject(s.id)!.state).toBe("pending");
  });

  it("the subject is recognised by any of their addresses, even as an admin", async () => {
    r = await rig();
    // Chloé's Slack account carries her old address, which Gong lists as an alias.
    r.people.set("chloe@old-acme.example", { userId: "UCHLOE", deleted: false });
    const { view } = await file([r.emailOf(ID.vpB)]);
    const [o] = await r.ctx.approvals.decide({
      subjectIds: [view.subjects[0]!.id],
      decision: "approve",
      actor: asUser("UCHLOE", true),
      override: true,
      reason: "I know best",
    });
    expect(o).toMatchObject({ outcome: "refused", message: "you cannot decide on yourself" });
  });

  it("every assignment is a trail row naming them; after an escalation the old message has no buttons and says who decides now", async () => {
    r = await rig({ GONGOPS_APPROVAL_REMIND_HOURS: "0.000001" });
    const { view } = await file([r.emailOf(ID.fay)]);
    await new Promise((res) => setTimeout(res, 30));
    await r.settle();
    const trail = r.ctx.approvals.trail().filter((t) => t.subjectId === view.subjects[0]!.id);
    expect(trail[0]!.why).toMatch(new RegExp(`approver: Émile Zola <@${slackIdOf(ID.mgr)}>`));
    expect(trail[1]!.why).toMatch(
      new RegExp(
        `^escalated: Émile Zola did not decide in (\\d+(\\.\\d)? h|\\d+ min|\\d+ s); approver: Chloé Côté <@${slackIdOf(ID.vpB)}>`,
      ),
    );
    const after = r.ctx.approvals.view(view.request.id)!;
    const old = JSON.stringify(approvalMessages(after, slackIdOf(ID.mgr), new Date(r.ctx.clock.now())));
    expect(old).not.toContain(ACTIONS.approve);
    expect(old).toContain(`<@${slackIdOf(ID.vpB)}> decides now`);
    const current = JSON.stringify(approvalMessages(after, slackIdOf(ID.vpB), new Date(r.ctx.clock.now())));
    expect(current).toContain(ACTIONS.approve);
  });

  it("the requester never approves, not even as an admin override", async () => {
    r = await rig();
    const { view } = await file([r.emailOf(ID.olga)]);
    const [o] = await r.ctx.approvals.decide({
      subjectIds: [view.subjects[0]!.id],
      decision: "approve",
      actor: requester,
      override: true,
      reason: "x",
    });
    expect(o!.message).toMatch(/you asked for this deactivation/);
    const [ok] = await r.ctx.approvals.decide({
      subjectIds: [view.subjects[0]!.id],
      decision: "approve",
      actor: admin,
    });
    expect(ok!.outcome).toBe("approved");
  });
});
