import type { ApprovalsCore } from "./core.js";
import { assign } from "./file.js";
import { closeVerified } from "./verify.js";

/**
 * The approval-timer job: a request's reminder, its escalation up the reporting line, and its expiry,
 * each enqueued when the request was filed (file.ts).
 */
export async function timer(
  core: ApprovalsCore,
  requestId: number,
  step: "remind" | "escalate" | "expire",
): Promise<void> {
  const { repo, settings } = core;
  const subjects = repo.subjects(requestId);
  const pending = subjects.filter((s) => s.state === "pending");
  if (step === "remind") {
    closeVerified(core);
    const waiting = subjects.filter((s) => s.state === "pending" || s.state === "awaiting_idp");
    if (waiting.length > 0)
      await core.notifier?.notify({ kind: "remind", requestId, subjectIds: waiting.map((s) => s.id) });
    return;
  }
  if (step === "expire") {
    const days = settings.expireDays;
    for (const s of pending)
      core.move(s, ["pending"], "expired", `no decision in ${days} day${days === 1 ? "" : "s"}`);
    return;
  }
  const request = repo.request(requestId)!;
  const moved: number[] = [];
  for (const s of pending) {
    if (s.approverKind !== "user") continue;
    const above = s.approverGongId ? (core.person(s.approverGongId)?.managerId ?? null) : null;
    const a = await assign(core, core.personOf(s), request.requestedBySlack, {
      startFrom: above,
      exclude: s.approverSlackId ? [s.approverSlackId] : [],
    });
    const now = core.now();
    const row = repo.tx((tx) =>
      core.transition(tx, {
        subjectId: s.id,
        from: ["pending"],
        to: "pending",
        actor: "gongops",
        why: `escalated after ${2 * settings.remindHours} h without a decision from ${s.approverName}: ${a.name ?? "the approvals channel"} (${a.reason})`,
        set: {
          approverKind: a.kind,
          approverSlackId: a.slackUserId,
          approverGongId: a.gongId,
          approverName: a.name,
          approverReason: `${s.approverName} did not decide in ${2 * settings.remindHours} h; ${a.reason}`,
          escalations: s.escalations + 1,
        },
        now,
      }),
    );
    if (row) moved.push(s.id);
  }
  if (moved.length > 0) await core.notifier?.notify({ kind: "escalated", requestId, subjectIds: moved });
}
