import { afterEach, describe, expect, it } from "vitest";
import { admin, asUser, CHANNEL, cli, ID, type Rig, rig, slackIdOf } from "./helpers.js";

/**
 * The approvals service end to end against the simulator's SCIM (PATCHes counted there), with a fake
 * SlackPeople and notifier: what the Slack face builds on.
 */
let r: Rig;
afterEach(async () => {
  await r?.close();
});

async function file(who: string[], opts: { dryRun?: boolean; by?: string } = {}) {
  const actor = asUser(opts.by ?? "UREQUESTER", true);
  return r.ctx.approvals.request({ who, reason: "no calls in 90 days", actor, source: "slack", ...opts });
}

describe("approvals: request → approve → one PATCH", () => {
  it("deactivates exactly once after the manager approves", async () => {
    r = await rig();
    const { view } = await file([r.emailOf(ID.fay)]);
    const s = view.subjects[0]!;
    expect(s.approverKind).toBe("user");
    expect(s.approverSlackId).toBe(slackIdOf(ID.mgr));
    expect(s.approverReason).toMatch(/manager in Gong/);
    const out = await r.ctx.approvals.decide({
      subjectIds: [s.id],
      decision: "approve",
      actor: asUser(slackIdOf(ID.mgr)),
    });
    expect(out[0]!.outcome).toBe("approved");
    await r.settle();
    expect(r.patches()).toBe(1);
    expect(r.sim.org.user(ID.fay)!.active).toBe(false);
    const after = r.ctx.repos.approvals.subject(s.id)!;
    expect(after.state).toBe("done");
    const trail = r.ctx.approvals
      .trail()
      .filter((t) => t.subjectId === s.id)
      .map((t) => `${t.fromState}→${t.toState}`);
    // The PATCH is recorded before it goes out (a note: executing → executing), then the move to done.
    expect(trail).toEqual([
      "null→pending",
      "pending→approved",
      "approved→executing",
      "executing→executing",
      "executing→done",
    ]);
    expect(r.events.map((e) => e.kind)).toContain("filed");
  });

  it("two concurrent approvals of one subject: one decision, one PATCH", async () => {
    r = await rig();
    const { view } = await file([r.emailOf(ID.fay)]);
    const id = view.subjects[0]!.id;
    const approver = asUser(slackIdOf(ID.mgr));
    const outs = await Promise.all([
      r.ctx.approvals.decide({ subjectIds: [id], decision: "approve", actor: approver }),
      r.ctx.approvals.decide({ subjectIds: [id], decision: "approve", actor: approver }),
      r.ctx.approvals.decide({
        subjectIds: [id],
        decision: "approve",
        actor: admin,
        override: true,
        reason: "x",
      }),
    ]);
    expect(outs.flat().filter((o) => o.outcome === "approved")).toHaveLength(1);
    await r.settle();
    expect(r.patches()).toBe(1);
    expect(r.ctx.approvals.trail().filter((t) => t.toState === "approved")).toHaveLength(1);
  });

  it("refuses the non-approver, the subject and the requester; nothing changes", async () => {
    r = await rig();
    const requester = slackIdOf(ID.ceo);
    const { view } = await file([r.emailOf(ID.fay)], { by: requester });
    const id = view.subjects[0]!.id;
    for (const actor of [
      asUser(slackIdOf(ID.dana)),
      asUser(slackIdOf(ID.fay), true),
      asUser(requester, true),
    ]) {
      const [o] = await r.ctx.approvals.decide({ subjectIds: [id], decision: "approve", actor });
      expect(o!.outcome).toBe("refused");
    }
    // Even as an admin override, the subject and the requester cannot decide.
    for (const who of [slackIdOf(ID.fay), requester]) {
      const [o] = await r.ctx.approvals.decide({
        subjectIds: [id],
        decision: "approve",
        actor: asUser(who, true),
        override: true,
        reason: "because",
      });
      expect(o!.outcome).toBe("refused");
    }
    await r.settle();
    expect(r.ctx.repos.approvals.subject(id)!.state).toBe("pending");
    expect(r.patches()).toBe(0);
    expect(r.ctx.lines.filter((l) => l.includes("refused a decision"))).toHaveLength(5);
  });

  it("an admin override needs a reason and is recorded as one", async () => {
    r = await rig();
    const { view } = await file([r.emailOf(ID.fay)]);
    const id = view.subjects[0]!.id;
    const other = asUser("UOTHERADMIN", true);
    expect(
      (
        await r.ctx.approvals.decide({ subjectIds: [id], decision: "approve", actor: other, override: true })
      )[0]!.outcome,
    ).toBe("refused");
    expect(
      (
        await r.ctx.approvals.decide({
          subjectIds: [id],
          decision: "keep",
          actor: other,
          override: true,
          reason: "still needed",
        })
      )[0]!.outcome,
    ).toBe("kept");
    const t = r.ctx.approvals.trail().find((x) => x.toState === "kept")!;
    expect(t.override).toBe(true);
    expect(t.why).toBe("still needed");
  });
});

describe("approvals: who approves", () => {
  it("an inactive manager: the skip-level gets it, and says why", async () => {
    r = await rig();
    const { view } = await file([r.emailOf(ID.dana)]);
    const s = view.subjects[0]!;
    expect(s.approverSlackId).toBe(slackIdOf(ID.ceo));
    expect(s.approverReason).toMatch(/Ben Down is inactive in Gong/);
  });

  it("nobody reachable: the approvals channel, where any admin decides", async () => {
    r = await rig();
    r.people.delete(r.emailOf(ID.x).toLowerCase()); // not in Slack
    r.people.set(r.emailOf(ID.y).toLowerCase(), { userId: slackIdOf(ID.y), deleted: true });
    const { view } = await file([r.emailOf(ID.olga), r.emailOf(ID.will)]);
    expect(view.subjects.map((s) => s.approverKind)).toEqual(["channel", "channel"]);
    expect(view.subjects[1]!.approverReason).toMatch(
      /Xavier Loop is not in Slack; .*Yuki Loop is deactivated in Slack; the reporting line loops back/,
    );
    const [o] = await r.ctx.approvals.decide({
      subjectIds: [view.subjects[0]!.id],
      decision: "approve",
      actor: admin,
    });
    expect(o!.outcome).toBe("approved");
    const [n] = await r.ctx.approvals.decide({
      subjectIds: [view.subjects[1]!.id],
      decision: "approve",
      actor: asUser("UNOBODY"),
    });
    expect(n!.outcome).toBe("refused");
    void CHANNEL;
  });
});

describe("approvals: before the PATCH", () => {
  it("a call hosted after the audit cancels it: no PATCH", async () => {
    r = await rig();
    const { view } = await file([r.emailOf(ID.fay)]);
    const s = view.subjects[0]!;
    r.sim.org.addCall({ primaryUserId: ID.fay, at: Date.now() });
    await new Promise((res) => setTimeout(res, 20));
    await r.ctx.approvals.decide({
      subjectIds: [s.id],
      decision: "approve",
      actor: asUser(slackIdOf(ID.mgr)),
    });
    await r.settle();
    const after = r.ctx.repos.approvals.subject(s.id)!;
    expect(after.state).toBe("cancelled");
    expect(after.stateReason).toMatch(/hosted a call on \d{4}-\d\d-\d\d, after the audit/);
    expect(r.patches()).toBe(0);
  });

  it("the daily cap: the rest wait, visibly, until an admin lets one through", async () => {
    r = await rig({ GONGOPS_MAX_DEACTIVATIONS_PER_DAY: "1" });
    const { view } = await file([r.emailOf(ID.olga), r.emailOf(ID.zed)]);
    await r.ctx.approvals.decide({
      subjectIds: view.subjects.map((s) => s.id),
      decision: "approve",
      actor: admin,
    });
    await r.settle();
    expect(r.patches()).toBe(1);
    const states = view.subjects.map((s) => r.ctx.repos.approvals.subject(s.id)!);
    const waiting = states.find((s) => s.state === "approved")!;
    expect(waiting.waitingNote).toMatch(/GONGOPS_MAX_DEACTIVATIONS_PER_DAY/);
    expect(r.ctx.approvals.capToday()).toMatchObject({ used: 1, cap: 1 });
    expect(r.ctx.approvals.releaseFromCap(waiting.id, admin, "board approved")).toBe(true);
    await r.settle();
    expect(r.patches()).toBe(2);
    expect(r.ctx.repos.approvals.subject(waiting.id)!.state).toBe("done");
  });

  it("dry run (per request or GONGOPS_DRY_RUN): zero PATCHes, and it says so", async () => {
    r = await rig({ GONGOPS_DRY_RUN: "true" });
    const { view } = await file([r.emailOf(ID.olga)]);
    expect(view.dryRun).toBe(true);
    await r.ctx.approvals.decide({ subjectIds: [view.subjects[0]!.id], decision: "approve", actor: admin });
    await r.settle();
    const s = r.ctx.repos.approvals.subject(view.subjects[0]!.id)!;
    expect(s.state).toBe("done");
    expect(s.stateReason).toMatch(/dry run/);
    expect(r.patches()).toBe(0);
    expect(r.sim.org.user(ID.olga)!.active).toBe(true);
  });

  it("SCIM 429 then success: one PATCH", async () => {
    r = await rig();
    r.sim.addFault({
      fault: { kind: "status", status: 429, retryAfter: "0" },
      endpoint: "PATCH /scim/v2/Users/{id}",
    });
    const { view } = await file([r.emailOf(ID.olga)]);
    await r.ctx.approvals.decide({ subjectIds: [view.subjects[0]!.id], decision: "approve", actor: admin });
    await r.settle();
    expect(r.ctx.repos.approvals.subject(view.subjects[0]!.id)!.state).toBe("done");
    expect(r.sim.stats.byStatus["429"]).toBe(1);
    expect(r.sim.org.user(ID.olga)!.active).toBe(false);
  });

  it("SCIM 404: failed, explained, no PATCH applied", async () => {
    r = await rig();
    r.sim.addFault({ fault: { kind: "status", status: 404 }, endpoint: "PATCH /scim/v2/Users/{id}" });
    const { view } = await file([r.emailOf(ID.olga)]);
    await r.ctx.approvals.decide({ subjectIds: [view.subjects[0]!.id], decision: "approve", actor: admin });
    await r.settle();
    const s = r.ctx.repos.approvals.subject(view.subjects[0]!.id)!;
    expect(s.state).toBe("failed");
    expect(s.stateReason).toMatch(/404/);
    expect(r.sim.org.user(ID.olga)!.active).toBe(true);
  });

  it("deactivated by someone else before the claim: cancelled, no PATCH", async () => {
    r = await rig();
    const { view } = await file([r.emailOf(ID.olga)]);
    r.sim.org.updateUser(ID.olga, { active: false });
    await r.ctx.approvals.decide({ subjectIds: [view.subjects[0]!.id], decision: "approve", actor: admin });
    await r.settle();
    const s = r.ctx.repos.approvals.subject(view.subjects[0]!.id)!;
    expect(s.state).toBe("cancelled");
    expect(s.stateReason).toMatch(/no longer active in Gong/);
    expect(r.patches()).toBe(0);
  });

  it("a PATCH that lands but answers 503 every time: the next attempt sees it landed and says so", async () => {
    r = await rig();
    r.sim.addFault({
      fault: { kind: "landed", status: 503 },
      endpoint: "PATCH /scim/v2/Users/{id}",
      times: 50,
    });
    const { view } = await file([r.emailOf(ID.olga)]);
    const id = view.subjects[0]!.id;
    await r.ctx.approvals.decide({ subjectIds: [id], decision: "approve", actor: admin });
    await r.settle();
    const s = r.ctx.repos.approvals.subject(id)!;
    expect(s.state).toBe("done");
    expect(s.stateReason).toMatch(/PATCH sent at .* got no good answer, but it landed/);
    expect(s.changeSentAt).not.toBeNull();
    const trail = r.ctx.approvals
      .trail()
      .filter((t) => t.subjectId === id)
      .map((t) => t.why ?? "");
    expect(trail.some((w) => /sending the PATCH/.test(w))).toBe(true);
    expect(trail.some((w) => /failed or got no good answer .*it may have landed/.test(w))).toBe(true);
    expect(trail.some((w) => /no PATCH made/.test(w))).toBe(false);
    expect(r.sim.org.user(ID.olga)!.active).toBe(false);
  });
});

describe("approvals: filing is refused with a clear message", () => {
  it("not active, not found, exempt, already open, no reason", async () => {
    r = await rig({ GONGOPS_AUDIT_EXEMPT: "title:CEO" });
    await file([r.emailOf(ID.olga)]);
    await expect(
      r.ctx.approvals.request({ who: [r.emailOf(ID.fay)], reason: "  ", actor: cli, source: "cli" }),
    ).rejects.toThrow(/reason/);
    const err = await r.ctx.approvals
      .request({
        who: [r.emailOf(ID.vpA), "nobody@acme.example", r.emailOf(ID.ceo), r.emailOf(ID.olga)],
        reason: "r",
        actor: cli,
        source: "cli",
      })
      .catch((e: Error) => e);
    expect(String(err)).toMatch(/not active in Gong/);
    expect(String(err)).toMatch(/no Gong user matches/);
    expect(String(err)).toMatch(/exempt/);
    expect(String(err)).toMatch(/already in open request #1/);
  });
});

describe("approvals: timers and undo", () => {
  it("expiry: no PATCH", async () => {
    r = await rig({ GONGOPS_APPROVAL_EXPIRE_DAYS: "0.0000001" });
    const { view } = await file([r.emailOf(ID.olga)]);
    await new Promise((res) => setTimeout(res, 30));
    await r.settle();
    expect(r.ctx.repos.approvals.subject(view.subjects[0]!.id)!.state).toBe("expired");
    expect(r.patches()).toBe(0);
  });

  it("escalation after twice the reminder time goes one up the line", async () => {
    r = await rig({ GONGOPS_APPROVAL_REMIND_HOURS: "0.000001" });
    const { view } = await file([r.emailOf(ID.fay)]);
    await new Promise((res) => setTimeout(res, 30));
    await r.settle();
    const s = r.ctx.repos.approvals.subject(view.subjects[0]!.id)!;
    expect(s.approverSlackId).toBe(slackIdOf(ID.vpB));
    expect(s.escalations).toBe(1);
    expect(r.events.map((e) => e.kind)).toEqual(expect.arrayContaining(["remind", "escalated"]));
  });

  it("reactivate: active again in the simulator, recorded in the trail", async () => {
    r = await rig();
    const { view } = await file([r.emailOf(ID.olga)]);
    await r.ctx.approvals.decide({ subjectIds: [view.subjects[0]!.id], decision: "approve", actor: admin });
    await r.settle();
    expect(r.sim.org.user(ID.olga)!.active).toBe(false);
    await r.ctx.approvals.reactivate({ who: r.emailOf(ID.olga), reason: "came back from leave", actor: cli });
    expect(r.sim.org.user(ID.olga)!.active).toBe(true);
    expect(r.ctx.approvals.trail().at(-1)).toMatchObject({ fromState: "done", toState: "reactivated" });
  });

  it("manual mode: a task, closed by the sync that shows the user inactive", async () => {
    r = await rig({ GONGOPS_DEACTIVATE_VIA: "manual" });
    const { view } = await file([r.emailOf(ID.olga)]);
    await r.ctx.approvals.decide({ subjectIds: [view.subjects[0]!.id], decision: "approve", actor: admin });
    await r.settle();
    expect(r.ctx.repos.approvals.subject(view.subjects[0]!.id)!.state).toBe("awaiting_idp");
    expect(r.events.some((e) => e.kind === "task")).toBe(true);
    r.sim.org.updateUser(ID.olga, { active: false }); // the IdP removed them
    await r.ctx.directory.sync!.run({ trigger: "test" });
    expect(r.ctx.repos.approvals.subject(view.subjects[0]!.id)!.state).toBe("done");
    expect(r.patches()).toBe(0);
  });
});
