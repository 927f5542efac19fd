import type { AllMiddlewareArgs, Middleware, SlackViewMiddlewareArgs, ViewSubmitAction } from "@slack/bolt";
import { filingNotes } from "../../../approvals/approvals.service.js";
import { afterAck } from "../../../pace.js";
import { requestModal } from "../../blocks/approvals.js";
import { explainError } from "../../explain.js";
import type { ActionArgs } from "../../middleware.js";
import { escapeMrkdwn } from "../../mrkdwn.js";
import type { SlackServices } from "../../services.js";

/**
 * "Request deactivation…" on an audit summary or a digest opens a modal (admins); its submission files
 * the request and tells the admin by DM (a modal has no response_url). Both offer exactly the users that
 * run found inactive under its own rule (its report's list), never a candidate who merely hosted no call.
 */
type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** After the ack and the access check for `deactivate` (middleware.ts, listeners/index.ts). */
export function requestFromAuditAction(services: SlackServices): Middleware<ActionArgs> {
  return async ({ body, action, client }) => {
    if (action.type !== "button") return;
    const runId = Number(action.value);
    const users = services.ctx.approvals.auditInactive(runId).map((u) => ({
      id: u.id,
      email: u.email,
      name: [u.firstName, u.lastName].filter(Boolean).join(" ") || u.email || u.id,
    }));
    // trigger_id lasts 3 s: open the modal before anything slow.
    await client.views.open({ trigger_id: body.trigger_id, view: requestModal(runId, users) as never });
  };
}

export function requestModalSubmit(services: SlackServices) {
  return async ({ ack, body, view, client }: ViewArgs): Promise<void> => {
    const values = view.state.values;
    const reason = values.reason?.reason?.value?.trim() ?? "";
    if (!reason) {
      await ack({ response_action: "errors", errors: { reason: "Say why: the approvers see it." } });
      return;
    }
    await ack();
    await afterAck();
    const user = body.user.id;
    const tell = (text: string) =>
      client.chat
        .postMessage({ channel: user, text })
        .catch((error: unknown) =>
          services.log.warn("could not DM the requester", { reason: (error as Error).message }),
        );
    try {
      if (!(await services.access.check("deactivate", user, client, "modal Request deactivation"))) {
        await tell("Only gongops admins can request deactivations.");
        return;
      }
      const runId = Number(view.private_metadata);
      const chosen = (values.users?.users?.selected_options ?? []).map((o) => o.value);
      const who = chosen.length > 0 ? chosen : services.ctx.approvals.auditInactive(runId).map((u) => u.id);
      const result = await services.ctx.approvals.request({
        who,
        reason,
        dryRun: (values.dry?.dry?.selected_options ?? []).length > 0,
        actor: { slackUserId: user, label: `<@${user}>`, isAdmin: true },
        source: "slack",
        auditRunId: runId,
      });
      const filed = result.view;
      const notes = filingNotes(result).map((line) => `\n• ${escapeMrkdwn(line)}`);
      await tell(
        `Deactivation request #${filed.request.id}${filed.dryRun ? " (dry run)" : ""}: ${filed.subjects.length} user${filed.subjects.length === 1 ? "" : "s"} sent to their approvers.${notes.join("")}`,
      );
    } catch (error) {
      services.log.warn("request from an audit failed", { reason: (error as Error).message });
      await tell(`:warning: ${escapeMrkdwn(explainError(error))}`);
    }
  };
}
