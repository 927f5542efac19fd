import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import { UsageError } from "../../../errors.js";
import { afterAck } from "../../../pace.js";
import { csvNote } from "../../auditRunner.js";
import { auditSummaryBlocks } from "../../blocks/audit.js";
import { explainError } from "../../explain.js";
import { escapeMrkdwn } from "../../mrkdwn.js";
import type { SlackServices } from "../../services.js";

/**
 * "Previous" / "Next" under an audit summary: turns the page of the same message. A button's value is
 * whatever the client sends, so it is checked: the run must be the one this very message reports, it
 * must have finished, and the clicker needs the same permission as `/gong audit`, which made it.
 */
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
      if (!(await services.access.check("audit", body.user.id, client, "audit page"))) {
        throw new UsageError("Only gongops admins can page through audit results.");
      }
      let value: { runId?: unknown; page?: unknown };
      try {
        value = JSON.parse(action.value ?? "{}") as typeof value;
      } catch {
        throw new UsageError("That button is out of date.");
      }
      const { runId, page } = value;
      const channel = body.channel?.id;
      const ts = body.message?.ts;
      const post = typeof runId === "number" ? services.ctx.repos.audits.postOf(runId) : null;
      if (!post || post.channel !== channel || post.ts !== ts || typeof page !== "number" || page < 0) {
        services.log.warn("refused an audit page button that does not belong to its message", {
          user: body.user.id,
          runId,
          channel,
        });
        throw new UsageError("That button does not belong to this message.");
      }
      const report = services.audits.reportFor(post.runId);
      if (report.status !== "succeeded") throw new UsageError("That audit has not finished.");
      await client.chat.update({
        channel: post.channel,
        ts: post.ts,
        text: `Inactive-user audit ${post.runId}, page ${page + 1}`,
        blocks: auditSummaryBlocks(
          report,
          page,
          services.audits.managerNames(report),
          undefined,
          csvNote(post.csvDelivered, post.startedBy, report),
        ),
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
