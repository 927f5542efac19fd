import type { AllMiddlewareArgs, SlackEventMiddlewareArgs, webApi } from "@slack/bolt";
import type { ApprovalsService, StepFace, StepOutputs } from "../approvals/approvals.service.js";
import type { Logger } from "../log.js";

/**
 * Workflow Builder's "Request Gong deactivation" step (manifest.yml `functions`), Slack's side of it.
 * The rules are approvals/steps.ts: the step is recorded before Slack is acknowledged, filed by a job,
 * and completed once by another. Completion uses the app's own bot token (functions.complete* need no
 * scope), never the step's short-lived token: nothing secret is kept with the step, and a restart can
 * still complete it.
 */
export const STEP_CALLBACK_ID = "request_gong_deactivation";

/** Slack's answer when the execution was completed already (say, by us before a crash). */
const ALREADY = new Set(["execution_not_in_running_state"]);

function slackError(error: unknown): string | undefined {
  return (error as { data?: { error?: string } }).data?.error;
}

export function slackStepFace(client: () => webApi.WebClient, log: Logger): StepFace {
  const done = async (call: () => Promise<unknown>, executionId: string) => {
    try {
      await call();
      return "completed" as const;
    } catch (error) {
      if (ALREADY.has(slackError(error) ?? "")) return "already" as const;
      log.warn("could not complete a workflow step", { execution: executionId, reason: slackError(error) });
      throw error;
    }
  };
  return {
    async emailOf(userId) {
      try {
        const res = await client().users.info({ user: userId });
        const u = res.user as
          | { deleted?: boolean; is_bot?: boolean; profile?: { email?: string } }
          | undefined;
        if (!u || u.is_bot) return null;
        return u.profile?.email ?? null;
      } catch (error) {
        if (slackError(error) === "user_not_found") return null;
        throw error;
      }
    },
    complete: (executionId, outputs: StepOutputs) =>
      done(
        () => client().functions.completeSuccess({ function_execution_id: executionId, outputs }),
        executionId,
      ),
    fail: (executionId, message) =>
      done(
        () => client().functions.completeError({ function_execution_id: executionId, error: message }),
        executionId,
      ),
  };
}

type StepArgs = SlackEventMiddlewareArgs<"function_executed"> & AllMiddlewareArgs;

/**
 * The function_executed listener: records the step (and its filing job) in one transaction, then acks.
 * A step Slack sends again is recorded once; if recording fails, no ack, and Slack sends it again.
 */
export function workflowStepListener(approvals: ApprovalsService, log: Logger) {
  return async ({ event, ack }: StepArgs): Promise<void> => {
    const fresh = approvals.receiveStep({
      executionId: event.function_execution_id,
      callbackId: event.function.callback_id,
      workflowExecutionId: event.workflow_execution_id ?? null,
      inputs: event.inputs,
    });
    await ack();
    log.info(fresh ? "a workflow step asks for a Gong deactivation" : "a workflow step sent again", {
      execution: event.function_execution_id,
    });
  };
}
