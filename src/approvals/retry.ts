import { NotFoundError, RefusedError } from "../errors.js";
import { enqueueJob } from "../jobs/index.js";
import type { SubjectRow } from "../store/approvals.repo.js";
import type { DbOrTx } from "../store/jobs.repo.js";
import type { ApprovalsCore } from "./core.js";
import { subjectRef } from "./refs.js";
import { isOpen, STATE_LABEL } from "./states.js";
import type { Actor } from "./types.js";

/**
 * A failed deactivation run again by an admin once its cause is fixed (a SCIM token replaced, a group
 * assignment removed): no new request, no new approval. The subject goes back from failed to approved
 * with a trail row naming who, and its execute job runs again from the start, so every check that
 * comes before a change (execute.ts, stillWanted.ts) runs again before anything changes.
 */

const WHY = "run again by an admin; every check before a change runs again";

/** failed → approved in `tx`, the trail naming `by`; null when it was not failed any more. */
function backToApproved(
  core: ApprovalsCore,
  tx: DbOrTx,
  s: SubjectRow,
  by: string,
  reason: string | null,
): SubjectRow | null {
  return core.transition(tx, {
    subjectId: s.id,
    from: ["failed"],
    to: "approved",
    actor: by,
    why: reason ? `${WHY}: ${reason}` : WHY,
    override: true,
    set: { stateReason: null, waitingNote: null },
    now: core.now(),
  });
}

/** `gongops requests retry <subject>` and Slack's Retry button (admins). */
export function retryFailed(
  core: ApprovalsCore,
  input: { subjectId: number; actor: Actor; reason?: string | null },
): SubjectRow {
  const { repo } = core;
  if (!input.actor.isAdmin) throw new RefusedError("only admins can run a failed deactivation again");
  const s = repo.subject(input.subjectId);
  if (!s) throw new NotFoundError(`there is no subject ${input.subjectId}`);
  if (s.state !== "failed")
    throw new RefusedError(
      `${s.name} is ${STATE_LABEL[s.state]}; only a failed deactivation can be run again`,
    );
  // One open request per person: one filed since the failure goes on instead.
  const other = s.dryRun
    ? undefined
    : repo.subjectsOfUser(s.userId).find((x) => x.id !== s.id && !x.dryRun && isOpen(x.state));
  if (other)
    throw new RefusedError(
      `${s.name} is in open request #${other.requestId} now (subject ${subjectRef(other, repo.subjects(other.requestId))}); that one goes on instead`,
    );
  const now = core.now();
  const row = repo.tx((tx) => {
    const moved = backToApproved(core, tx, s, input.actor.label, input.reason?.trim() || null);
    if (!moved) return null;
    // The subject's one execute job (release from the cap finds it by its key): run again from the start.
    const { job, created } = enqueueJob(
      core.deps.jobs,
      core.jobs.execute,
      { subjectId: s.id },
      { tx, now, idempotencyKey: `approval-execute:${s.id}` },
    );
    if (!created && job.status === "running")
      // Rolls the move back: the job that failed it is still finishing its attempt.
      throw new RefusedError(`${s.name}'s deactivation job is still finishing; try again in a minute`);
    if (!created) core.deps.jobs.rerun(job.id, now, tx);
    core.enqueueNotify(tx, {
      kind: "changed",
      requestId: s.requestId,
      subjectIds: [s.id],
      summary: `${s.name}: run again by ${input.actor.label}`,
    });
    return moved;
  });
  if (!row)
    throw new RefusedError(
      `${s.name} changed meanwhile; look again with gongops requests show ${s.requestId}`,
    );
  core.log.info("a failed deactivation is run again", { subject: s.id, by: input.actor.label });
  core.wake();
  return row;
}

/**
 * An admin runs a subject's dead execute job again (`gongops jobs retry`, the job kind's onRetry): a
 * failed subject goes back to approved; otherwise the trail notes who ran the job again.
 */
export function executeRetried(core: ApprovalsCore, subjectId: number, by: string): void {
  const s = core.repo.subject(subjectId);
  if (!s) return;
  if (s.state === "failed") core.repo.tx((tx) => backToApproved(core, tx, s, by, null));
  else
    core.repo.note(subjectId, {
      actor: by,
      why: "the deactivation job was run again by hand",
      now: core.now(),
    });
  core.wake();
}
