import type { Middleware } from "@slack/bolt";
import { filingNotes } from "../../../approvals/approvals.service.js";
import { type ActionArgs, ephemeral } from "../../middleware.js";
import { escapeMrkdwn } from "../../mrkdwn.js";
import type { SlackServices } from "../../services.js";

/**
 * "Request deactivation" on a leaver's notice: files their request through the approvals flow (the same
 * checks, cap and dry run), with the departure as its reason. Admins only (requireAccess, "deactivate").
 */
export function requestLeaverAction(services: SlackServices): Middleware<ActionArgs> {
  return async ({ action, body, respond }) => {
    const userId = action.type === "button" ? (action.value ?? "") : "";
    const user = body.user.id;
    const filed = await services.ctx.leavers.requestDeactivation(userId, {
      slackUserId: user,
      label: `<@${user}>`,
      isAdmin: true,
    });
    const { view } = filed;
    const text = [
      `Deactivation request #${view.request.id}${view.dryRun ? " (dry run)" : ""} filed.`,
      ...filingNotes(filed).map((line) => `• ${line}`),
    ].join("\n");
    await ephemeral(respond, { text: escapeMrkdwn(text) });
  };
}
