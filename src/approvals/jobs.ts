import * as z from "zod";
import { defineJob } from "../jobs/index.js";
import type { ApprovalJobs, ApprovalsCore } from "./core.js";
import { execute, executeDied } from "./execute.js";
import { assignUnassigned } from "./file.js";
import { findHolders } from "./holder.js";
import { executeRetried } from "./retry.js";
import { timer } from "./timers.js";
import { type ApprovalEvent, approvalEventSchema } from "./types.js";
import { verifyDeadline } from "./verify.js";

/**
 * The job kinds that move requests along: notifications, executions, timers and verification
 * deadlines. Defined here, registered by the composition root with every other kind (context.ts).
 */
export function defineApprovalJobs(core: ApprovalsCore): ApprovalJobs {
  const jobs: ApprovalJobs = {
    notify: defineJob({
      kind: "approval-notify",
      payload: approvalEventSchema,
      // Backing off up to 15 minutes a try (jobs/backoff.ts), 48 attempts outlast a Slack outage of
      // about ten hours: a request filed meanwhile still gets posted.
      maxAttempts: 48,
      run: async (event) => {
        if (event.kind === "filed") {
          await assignUnassigned(core, event.requestId);
          await findHolders(core, event.requestId);
        }
        await core.notifier?.notify(event as ApprovalEvent);
      },
    }),
    execute: defineJob({
      kind: "approval-execute",
      payload: z.object({ subjectId: z.number().int() }),
      maxAttempts: 10,
      run: async ({ subjectId }, { signal }) => execute(core, subjectId, signal),
      onDead: ({ subjectId }, lastError) => executeDied(core, subjectId, lastError),
      onRetry: ({ subjectId }, by) => executeRetried(core, subjectId, by),
    }),
    timer: defineJob({
      kind: "approval-timer",
      payload: z.object({
        requestId: z.number().int(),
        step: z.enum(["notice", "remind", "escalate", "expire"]),
      }),
      run: async ({ requestId, step }) => timer(core, requestId, step),
    }),
    verify: defineJob({
      kind: "approval-verify-deadline",
      payload: z.object({ subjectId: z.number().int() }),
      run: async ({ subjectId }) => verifyDeadline(core, subjectId),
    }),
  };
  core.jobs = jobs;
  return jobs;
}
