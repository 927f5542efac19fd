import { expect } from "vitest";
import type { IdpSnapshot } from "../../src/approvals/deprovision.js";
import { asUser, ID, type Rig, slackIdOf } from "../approvals/helpers.js";

/** The steps the Okta and Entra suites share, on the approvals rig of the running test. */

const today = () => new Date().toISOString().slice(0, 10);

/** Files a request for Fay and has her manager approve it; its subject id (jobs not yet run). */
export async function approvedFay(r: Rig): Promise<number> {
  const { view } = await r.ctx.approvals.request({
    who: [r.emailOf(ID.fay)],
    reason: "no calls in 90 days",
    actor: asUser("UREQUESTER", true),
    source: "slack",
  });
  const id = view.subjects[0]!.id;
  await r.ctx.approvals.decide({ subjectIds: [id], decision: "approve", actor: asUser(slackIdOf(ID.mgr)) });
  return id;
}

/**
 * Fay (by her manager) and Olga (no manager: by an admin) filed in one request and approved, with the
 * worker stopped first so that the test runs their executions itself; their subject ids.
 */
export async function approvedFayAndOlga(r: Rig): Promise<{ fay: number; olga: number }> {
  await r.worker.stop();
  const { view } = await r.ctx.approvals.request({
    who: [r.emailOf(ID.fay), r.emailOf(ID.olga)],
    reason: "no calls in 90 days",
    actor: asUser("UREQUESTER", true),
    source: "slack",
  });
  const idOf = (gongId: string) => view.subjects.find((s) => s.userId === gongId)!.id;
  const ids = { fay: idOf(ID.fay), olga: idOf(ID.olga) };
  await r.ctx.approvals.decide({
    subjectIds: [ids.fay],
    decision: "approve",
    actor: asUser(slackIdOf(ID.mgr)),
  });
  await r.ctx.approvals.decide({
    subjectIds: [ids.olga],
    decision: "approve",
    actor: asUser("UADMIN", true),
  });
  return ids;
}

/** Fay approved, and the jobs that follow settled; her subject id. */
export async function approveFay(r: Rig): Promise<number> {
  const id = await approvedFay(r);
  await r.settle();
  return id;
}

/** Fay approved, unassigned in the IdP, and confirmed by the sync that shows her inactive; her subject id. */
export async function fayDeactivated(r: Rig): Promise<number> {
  const id = await approveFay(r);
  await until(() => r.sim.org.user(ID.fay)!.active === false);
  await r.ctx.directory.sync!.run({ trigger: "test" });
  expect(r.ctx.repos.approvals.subject(id)!.state).toBe("done");
  return id;
}

/** An admin undoes Fay's deactivation. */
export const reactivateFay = (r: Rig, reason = "back") =>
  r.ctx.approvals.reactivate({ who: r.emailOf(ID.fay), reason, actor: asUser("UADMIN", true) });

/**
 * What a process that crashed mid-execution left: the subject claimed (with today's slot) and its
 * undo snapshot stored, as before the DELETE it may have sent.
 */
export function claimedByCrashed(r: Rig, subjectId: number, snapshot: IdpSnapshot | null): void {
  r.ctx.repos.approvals.tx((tx) => {
    r.ctx.repos.approvals.takeDailySlot(tx, today(), 25, false);
    r.ctx.repos.approvals.transition(tx, {
      subjectId,
      from: ["approved"],
      to: "executing",
      actor: "gongops",
      now: new Date(),
    });
  });
  if (snapshot) r.ctx.repos.approvals.annotate(subjectId, "executing", { idpSnapshot: snapshot });
}

/** Deactivations counted against today's cap (GONGOPS_MAX_DEACTIVATIONS_PER_DAY). */
export const usedToday = (r: Rig) => r.ctx.repos.approvals.dailyUsed(today());

/** A subject's trail, one line per row. */
export const trailOf = (r: Rig, subjectId: number) =>
  r.ctx.approvals
    .trail()
    .filter((t) => t.subjectId === subjectId)
    .map((t) => t.why)
    .join("\n");

export async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((res) => setTimeout(res, 10));
  expect(ok()).toBe(true);
}
