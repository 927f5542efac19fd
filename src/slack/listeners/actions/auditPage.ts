import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import { afterAck } from "../../../pace.js";
import { auditSummaryBlocks } from "../../blocks/audit.js";
import { explainError } from "../../explain.js";
import { escapeMrkdwn } from "../../mrkdwn.js";
import type { SlackServices } from "../../services.js";

/** "Previous" / "Next" under an audit summary: turns the page of the same message. */
export function auditPageAction(services: SlackServices) {
  return async ({
    ack,
    body,
    action,
    client,
    respond,
  }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    await afterAck();
    try {
      if (!(await services.access.check("user", body.user.id, client, "audit page"))) return;
      const { runId, page } = JSON.parse(action.value ?? "{}") as { runId: number; page: number };
      const report = services.audits.reportFor(runId);
      const channel = body.channel?.id;
      const ts = body.message?.ts;
      if (!channel || !ts) return;
      await client.chat.update({
        channel,
        ts,
        text: `Inactive-user audit ${runId}, page ${page + 1}`,
        blocks: auditSummaryBlocks(report, page, services.audits.managerNames(report)),
      });
    } catch (error) {
      services.log.warn("audit page failed", { reason: (error as Error).message });
      await respond({
        response_type: "ephemeral",
        replace_original: false,
        text: `:warning: ${escapeMrkdwn(explainError(error))}`,
      } as never).catch(() => {});
    }
  };
}
