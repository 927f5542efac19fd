import * as z from "zod";
import { GongopsError } from "../errors.js";
import { defineJob, enqueueJob, RetryAfterError } from "../jobs/index.js";
import type { SubjectRow } from "../store/approvals.repo.js";
import type { DbOrTx } from "../store/jobs.repo.js";
import type { SubjectState, WorkflowStepInputs, WorkflowStepResult } from "../store/schema.js";
import type { ApprovalsCore } from "./core.js";
import { fileRequest } from "./file.js";
import { stateLabel } from "./states.js";
import type { Actor, StepFace, StepJobs, StepOutputs } from "./types.js";

export type { StepFace, StepJobs, StepOutputs };

/**
 * A request filed by a Workflow Builder step ("Request Gong deactivation"): one more way to file, with
 * every rule of the others (who may be filed, the approval, the two-person rule, the checks before a
 * change, the cap, dry run). The step is recorded before Slack is acknowledged, filed by a job, and its
 * result (refused at filing, or the subject's final state) is settled in the transaction that made it
 * known; another job reports it to Slack once. A restart anywhere repeats nothing: the filing is linked
 * to the step in its own transaction, and a completion Slack already has is taken as done.
 */

export type StepOutcome = "deactivated" | "kept" | "expired" | "refused" | "failed";

/** The subject states that end a step, and the outcome each reports. */
const OUTCOME: Partial<Record<SubjectState, StepOutcome>> = {
  done: "deactivated",
  kept: "kept",
  expired: "expired",
  cancelled: "refused",
  failed: "failed",
};

const id = z.object({ executionId: z.string().min(1) });

/** The step job kinds, and the hook that settles a step when its subject's last move happens. */
export function defineStepJobs(core: ApprovalsCore): StepJobs {
  const jobs: StepJobs = {
    file: defineJob({
      kind: "workflow-step-file",
      payload: id,
      maxAttempts: 10,
      run: async ({ executionId }) => fileStep(core, executionId),
      onDead: ({ executionId }, lastError) =>
        settle(core, executionId, {
          kind: "error",
          message: `gongops could not file the request (${lastError ?? "no error recorded"}); nothing was filed`,
        }),
    }),
    complete: defineJob({
      kind: "workflow-step-complete",
      payload: id,
      // Backing off up to 15 minutes a try (jobs/backoff.ts), as the approval messages do: the step is
      // reported even after a Slack outage of hours.
      maxAttempts: 48,
      run: async ({ executionId }) => completeStep(core, executionId),
    }),
  };
  core.stepJobs = jobs;
  core.afterMove.push((tx, s) => settleOnMove(core, tx, s));
  return jobs;
}

/** Recorded before Slack is acknowledged; false when Slack sent this step before. */
export function receiveStep(
  core: ApprovalsCore,
  step: { executionId: string; callbackId: string; workflowExecutionId: string | null; inputs: unknown },
): boolean {
  const now = core.now();
  const created = core.repo.tx((tx) => {
    const inputs = stepInputs(step.inputs);
    if (!core.deps.steps.receive(tx, { ...step, inputs, at: now.toISOString() })) return false;
    enqueueJob(
      core.deps.jobs,
      core.stepJobs.file,
      { executionId: step.executionId },
      { tx, now, idempotencyKey: `workflow-step-file:${step.executionId}` },
    );
    return true;
  });
  if (created) core.wake();
  return created;
}

/** The inputs as Slack sent them, each a trimmed string or null. */
function stepInputs(raw: unknown): WorkflowStepInputs {
  const r = (raw ?? {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === "string" && v.trim() ? v.trim() : null);
  return {
    user: text(r.user),
    email: text(r.email),
    reason: text(r.reason),
    requestedBy: text(r.requested_by),
  };
}

/** The file job: who the step names, then the request, linked to the step in the filing's transaction. */
async function fileStep(core: ApprovalsCore, executionId: string): Promise<void> {
  const step = core.deps.steps.get(executionId);
  if (!step || step.requestId !== null || step.result) return;
  const { inputs } = step;
  const refuse = (message: string) => settle(core, executionId, { kind: "error", message });
  if (!inputs.reason) return refuse("Gong deactivation not requested: the step needs a reason");
  let email = inputs.email?.toLowerCase() ?? null;
  if (inputs.user) {
    const face = core.stepFace;
    if (!face) throw new RetryAfterError(60_000, "waiting for the Slack app to look the person up");
    const found = (await face.emailOf(inputs.user))?.toLowerCase() ?? null;
    if (!found)
      return refuse(
        "Gong deactivation not requested: that Slack user has no email address gongops can find in Gong",
      );
    if (email && email !== found)
      return refuse(
        `Gong deactivation not requested: the Slack user's email (${found}) is not the email given (${email}); name one person`,
      );
    email = found;
  }
  if (!email) return refuse("Gong deactivation not requested: name the person, as a Slack user or an email");
  const by = inputs.requestedBy;
  const actor: Actor = by
    ? { slackUserId: by, label: `<@${by}> (Workflow Builder)`, isAdmin: false }
    : { slackUserId: null, label: "Workflow Builder", isAdmin: false };
  try {
    await fileRequest(core, {
      who: [email],
      reason: inputs.reason,
      actor,
      source: "workflow",
      stepExecutionId: executionId,
    });
  } catch (error) {
    // What no retry changes (not in Gong, already inactive, in an open request, nobody to decide) is
    // the step's plain failure; anything else (Gong down) is the job's to retry.
    if (
      error instanceof GongopsError &&
      (error.code === "USAGE" || error.code === "REFUSED" || error.code === "NOT_FOUND")
    )
      return refuse(`Gong deactivation not requested: ${error.message.replace(/^nothing was filed: /, "")}`);
    throw error;
  }
}

/** The step's result, once, with the job that reports it; in `tx` when given. */
function settle(core: ApprovalsCore, executionId: string, result: WorkflowStepResult, tx?: DbOrTx): void {
  const now = core.now();
  const write = (t: DbOrTx) => {
    if (!core.deps.steps.settle(t, executionId, result, now.toISOString())) return;
    enqueueJob(
      core.deps.jobs,
      core.stepJobs.complete,
      { executionId },
      { tx: t, now, idempotencyKey: `workflow-step-complete:${executionId}` },
    );
  };
  if (tx) write(tx);
  else {
    core.repo.tx(write);
    // Never from inside a transaction: the worker's claim would join it.
    core.wake();
  }
}

/** Every move of a subject (core.transition): one that ends it settles the step that filed it. */
function settleOnMove(core: ApprovalsCore, tx: DbOrTx, s: SubjectRow): void {
  if (!OUTCOME[s.state]) return;
  const step = core.deps.steps.bySubject(tx, s.id);
  if (!step || step.result) return;
  const request = core.repo.request(s.requestId);
  settle(
    core,
    step.executionId,
    { kind: "success", outputs: stepOutputs(s, request ? core.isDryRun(request) : s.dryRun) },
    tx,
  );
}

/** What the step reports for a subject that ended (manifest.yml: request_id, outcome, decider, …). */
export function stepOutputs(s: SubjectRow, dryRun: boolean): StepOutputs {
  return {
    request_id: String(s.requestId),
    outcome: OUTCOME[s.state] ?? "failed",
    // A Slack user id when a person decided in Slack (the seat holder, the approver, an admin), the
    // operator's words from a terminal; absent when nobody decided (expired, cancelled before).
    ...(s.decidedBy ? { decider: s.decidedBy } : {}),
    dry_run: dryRun,
    detail: s.stateReason ?? stateLabel(s.state, dryRun),
  };
}

/** The complete job: the settled result to Slack, once. */
async function completeStep(core: ApprovalsCore, executionId: string): Promise<void> {
  const step = core.deps.steps.get(executionId);
  if (!step?.result || step.completedAt) return;
  const face = core.stepFace;
  if (!face) throw new RetryAfterError(60_000, "waiting for the Slack app to complete the workflow step");
  const how =
    step.result.kind === "success"
      ? await face.complete(executionId, step.result.outputs)
      : await face.fail(executionId, step.result.message);
  core.deps.steps.completed(executionId, how, core.now().toISOString());
  core.log.info("completed a workflow step", {
    execution: executionId,
    result: step.result.kind === "success" ? step.result.outputs.outcome : "error",
    ...(how === "already" ? { note: "Slack had it completed already" } : {}),
  });
}
