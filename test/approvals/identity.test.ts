import { afterEach, describe, expect, it } from "vitest";
import { ShiftableClock } from "../helpers/clock.js";
import { admin, asUser, ID, PATCH, type Rig, rig } from "./helpers.js";

/**
 * Deactivation hits exactly the right person or no one: the person is their Gong id, an email is only a
 * way to find them, and every attempt looks again before any change.
 */
let r: Rig;
afterEach(async () => {
  await r?.close();
});

const DAY = 24 * 3600_000;

async function file(who: string[], auditRunId?: number) {
  const { view } = await r.ctx.approvals.request({
    who,
    reason: "no activity",
    actor: asUser("UREQUESTER", true),
    source: "slack",
    auditRunId,
  });
  return view.subjects[0]!.id;
}

/** Approved by whoever the subject's approver is (Fay's manager; the channel's admins). */
const approve = (id: number) => {
  const s = r.ctx.repos.approvals.subject(id)!;
  const actor = s.approverKind === "user" && s.approverSlackId ? asUser(s.approverSlackId) : admin;
  return r.ctx.approvals.decide({ subjectIds: [id], decision: "approve", actor });
};
const subject = (id: number) => r.ctx.repos.approvals.subject(id)!;
const trail = (id: number) =>
  r.ctx.approvals
    .trail()
    .filter((t) => t.subjectId === id)
    .map((t) => t.why ?? "")
    .join("\n");

/** Fay's address moves to Olga (Fay gets another one), as happens when an address is reused. */
function moveFaysAddressToOlga(): string {
  const address = r.emailOf(ID.fay);
  r.sim.org.updateUser(ID.fay, { emailAddress: "fay.ng.old@acme.example" });
  r.sim.org.updateUser(ID.olga, { emailAddress: address });
  return address;
}

describe("the person is their Gong id", () => {
  it("two active people with one name: the request, its outcome and the trail name them with their email", async () => {
    r = await rig();
    r.sim.org.updateUser(ID.olga, { firstName: "Fay", lastName: "Ng" });
    await r.ctx.directory.sync!.run({ trigger: "test" });
    const id = await file([r.emailOf(ID.fay)]);
    const told = `Fay Ng (${r.emailOf(ID.fay)})`;
    expect(subject(id).name).toBe(told);
    const [outcome] = await approve(id);
    expect(outcome!.name).toBe(told);
    expect(trail(id)).toContain(told);
  });

  it("a name nobody else has stays as it is", async () => {
    r = await rig();
    const id = await file([r.emailOf(ID.fay)]);
    expect(subject(id).name).toBe("Fay Ng");
  });

  it("an address reused before the approval: nobody is deactivated, and the trail says why", async () => {
    r = await rig();
    const id = await file([r.emailOf(ID.fay)]);
    const address = moveFaysAddressToOlga();
    await approve(id);
    await r.settle();
    expect(subject(id).state).toBe("cancelled");
    expect(subject(id).stateReason).toContain(`no longer carries ${address}`);
    expect(r.patches()).toBe(0);
    expect(r.sim.org.user(ID.olga)!.active).toBe(true);
    expect(r.sim.org.user(ID.fay)!.active).toBe(true);
  });

  it("the SCIM user found first is pinned: another one found by the same email later changes nobody", async () => {
    r = await rig();
    const id = await file([r.emailOf(ID.fay)]);
    // An earlier attempt found (and pinned) another SCIM user for this address, then crashed.
    r.ctx.repos.approvals.tx((tx) =>
      r.ctx.repos.approvals.transition(tx, {
        subjectId: id,
        from: ["pending"],
        to: "approved",
        actor: "test",
        now: new Date(r.ctx.clock.now()),
      }),
    );
    r.ctx.repos.approvals.tx((tx) =>
      r.ctx.repos.approvals.transition(tx, {
        subjectId: id,
        from: ["approved"],
        to: "executing",
        actor: "test",
        now: new Date(r.ctx.clock.now()),
      }),
    );
    r.ctx.repos.approvals.annotate(id, "executing", { wayOutId: "scim-someone-else" });
    await r.ctx.approvals.execute(id);
    expect(subject(id).state).toBe("failed");
    expect(subject(id).stateReason).toMatch(/not user scim-someone-else it found first/);
    expect(r.patches()).toBe(0);
    expect(r.sim.org.user(ID.fay)!.active).toBe(true);
  });

  it("undo refuses when the address moved: reactivating must not touch whoever holds it now", async () => {
    r = await rig();
    const id = await file([r.emailOf(ID.fay)]);
    await approve(id);
    await r.settle();
    expect(subject(id).state).toBe("done");
    expect(subject(id).wayOutId).toBe(r.sim.org.scimIdOf(ID.fay));
    r.sim.org.updateUser(ID.olga, { active: false });
    moveFaysAddressToOlga();
    await expect(
      r.ctx.approvals.reactivateSubject({ subjectId: id, reason: "back from leave", actor: admin }),
    ).rejects.toThrow(/no longer carries/);
    expect(r.sim.org.user(ID.olga)!.active).toBe(false);
    expect(r.sim.org.user(ID.fay)!.active).toBe(false);
  });

  it("undo reactivates the SCIM user it deactivated, by the pinned id", async () => {
    r = await rig();
    const id = await file([r.emailOf(ID.fay)]);
    await approve(id);
    await r.settle();
    const gets = r.sim.stats.byEndpoint["GET /scim/v2/Users/{id}"] ?? 0;
    await r.ctx.approvals.reactivateSubject({ subjectId: id, reason: "back from leave", actor: admin });
    expect(r.sim.org.user(ID.fay)!.active).toBe(true);
    expect(r.sim.stats.byEndpoint["GET /scim/v2/Users/{id}"] ?? 0).toBe(gets + 1);
  });
});

describe("every attempt looks again before a change", () => {
  it("a takeover from executing re-runs the checks: a call hosted since cancels it, the slot goes back", async () => {
    r = await rig();
    const id = await file([r.emailOf(ID.fay)]);
    r.ctx.repos.approvals.tx((tx) => {
      r.ctx.repos.approvals.transition(tx, {
        subjectId: id,
        from: ["pending"],
        to: "approved",
        actor: "test",
        now: new Date(r.ctx.clock.now()),
      });
      r.ctx.repos.approvals.takeDailySlot(tx, r.ctx.approvals.capToday().day, 25, false);
      r.ctx.repos.approvals.transition(tx, {
        subjectId: id,
        from: ["approved"],
        to: "executing",
        actor: "test",
        now: new Date(r.ctx.clock.now()),
      });
    });
    expect(r.ctx.approvals.capToday().used).toBe(1);
    const filed = Date.parse(r.ctx.repos.approvals.request(subject(id).requestId)!.activitySince);
    r.sim.org.addCall({ primaryUserId: ID.fay, at: filed + 1 });
    await r.ctx.approvals.execute(id);
    expect(subject(id).state).toBe("cancelled");
    expect(subject(id).stateReason).toMatch(/hosted a call on .* after the audit/);
    expect(r.patches()).toBe(0);
    expect(r.ctx.approvals.capToday().used).toBe(0);
  });

  it("under the any rule, listening since the audit cancels it (not only hosting)", async () => {
    const now = Date.now();
    const clock = new ShiftableClock(now - 3 * DAY);
    r = await rig({ GONGOPS_AUDIT_ACTIVITY: "any" }, { context: { clock } });
    // Someone's activity names the company's time zone; Fay has none before the audit.
    r.sim.org.addActivity(ID.ceo, "othersCallsListenedTo", now - 10 * DAY);
    const audit = await r.ctx.audit.start({ days: 30, activity: "any" });
    expect(audit.inactive.map((u) => u.id)).toContain(ID.fay);
    clock.jumpTo(now);
    const id = await file([r.emailOf(ID.fay)], audit.runId);
    r.sim.org.addActivity(ID.fay, "othersCallsListenedTo", now - DAY - 3600_000);
    await approve(id);
    await r.settle();
    expect(subject(id).state).toBe("cancelled");
    expect(subject(id).stateReason).toMatch(/active in Gong between .* after the audit/);
    expect(r.patches()).toBe(0);
  });

  it("reactivated in Gong since the audit: an admin's call, left alone", async () => {
    r = await rig();
    const id = await file([r.emailOf(ID.fay)]);
    r.sim.org.updateUser(ID.fay, { active: false });
    await r.ctx.directory.sync.run({ trigger: "test" });
    r.sim.org.updateUser(ID.fay, { active: true });
    await r.ctx.directory.sync.run({ trigger: "test" });
    await approve(id);
    await r.settle();
    expect(subject(id).state).toBe("cancelled");
    expect(subject(id).stateReason).toMatch(/reactivated in Gong since the audit/);
    expect(r.patches()).toBe(0);
  });

  it("a spent Gong budget makes the job wait without spending an attempt", async () => {
    r = await rig();
    const id = await file([r.emailOf(ID.fay)]);
    await r.worker.stop();
    await approve(id);
    // The budget is shared through the database: spend the rest of today's before the job runs.
    r.ctx.db.$client.prepare("UPDATE gong_budget SET used = ?").run(r.ctx.gong.limiter.budgetToday().quota);
    r.worker.start();
    await r.settle();
    expect(subject(id).state).toBe("approved");
    const job = r.ctx.repos.jobs.list().find((j) => j.kind === "approval-execute")!;
    expect(job.attempts).toBe(0);
    expect(job.lastError).toMatch(/daily Gong request budget/);
    expect(job.runAt.getTime()).toBeGreaterThan(r.ctx.clock.now());
  });
});

describe("a job that dies has an outcome", () => {
  it("a dead execute job fails its subject, gives the slot back, and jobs retry puts it back with a trail row", async () => {
    // No retries inside the HTTP layer: each of the job's attempts fails at once.
    r = await rig({ GONG_MAX_RETRIES: "0" });
    const id = await file([r.emailOf(ID.fay)]);
    r.sim.addFault({ fault: { kind: "status", status: 500 }, endpoint: "GET /scim/v2/Users", times: 10_000 });
    await approve(id);
    await r.settle();
    expect(subject(id).state).toBe("failed");
    expect(subject(id).stateReason).toMatch(/gave up after its last attempt .*nothing was changed/);
    expect(r.ctx.approvals.capToday().used).toBe(0);
    const job = r.ctx.repos.jobs.list().find((j) => j.kind === "approval-execute")!;
    expect(job.status).toBe("dead");
    r.sim.clearFaults();
    const definition = r.ctx.jobKinds.get(job.kind)!;
    definition.onRetry!(definition.payload.parse(job.payload), "ops@desk (terminal)");
    r.ctx.repos.jobs.retryNow(job.id, new Date(r.ctx.clock.now()));
    r.worker.wake();
    await r.settle();
    expect(subject(id).state).toBe("done");
    expect(trail(id)).toMatch(/run again by an admin/);
    expect(r.patches()).toBe(1);
  });
});

describe("a snapshot from before the change proves nothing", () => {
  it("closeVerified waits for a sync listed after the change", async () => {
    r = await rig({ GONGOPS_DEACTIVATE_VIA: "manual" });
    const id = await file([r.emailOf(ID.fay)]);
    // A listing that begins before the task is handed out, and reads Fay after she went inactive.
    r.sim.addFault({ fault: { kind: "slow", delayMs: 3000 }, endpoint: "GET /v2/users" });
    const early = r.ctx.directory.sync.run({ trigger: "test" });
    await new Promise((res) => setTimeout(res, 200));
    await approve(id);
    await r.settle();
    expect(subject(id).state).toBe("awaiting_idp");
    r.sim.org.updateUser(ID.fay, { active: false });
    await early;
    expect(subject(id).state).toBe("awaiting_idp");
    expect(r.ctx.approvals.closeVerified()).toBe(0);
    await r.ctx.directory.sync.run({ trigger: "test" });
    expect(subject(id).state).toBe("done");
    expect(r.sim.stats.byEndpoint[PATCH] ?? 0).toBe(0);
  });
});
