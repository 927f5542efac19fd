import { durationWords } from "../time.js";
import { peopleFor, reassign } from "./assign.js";
import type { ApprovalsCore } from "./core.js";
import { noticeOver } from "./holder.js";
import { closeVerified } from "./verify.js";

/**
 * The approval-timer job: the end of the seat holders' notice (holder.ts), a request's reminder, its
 * escalation up the reporting line, and its expiry, each enqueued when the request was filed (file.ts).
 */
export async function timer(
  core: ApprovalsCore,
  requestId: number,
  step: "notice" | "remind" | "escalate" | "expire",
): Promise<void> {
  const { repo, settings } = core;
  if (step === "notice") return noticeOver(core, requestId);
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
    // A subject still in notice (its notice timer never ran) expires as well: nothing waits forever.
    for (const s of subjects.filter((x) => x.state === "pending" || x.state === "notice"))
      core.move(s, [s.state], "expired", `no decision in ${days} day${days === 1 ? "" : "s"}`);
    return;
  }
  // One pass over Slack's people for the whole round; each move names who decides now (assign.ts).
  const slack = peopleFor(core);
  const waited = durationWords(2 * settings.remindHours * 3600_000);
  const moved: number[] = [];
  for (const s of pending) {
    if (s.approverKind !== "user") continue;
    const row = await reassign(core, s, `${s.approverName} did not decide in ${waited}`, {
      slack,
      escalation: true,
    });
    if (row) moved.push(s.id);
  }
  if (moved.length > 0) await core.notifier?.notify({ kind: "escalated", requestId, subjectIds: moved });
}
