import type { Middleware } from "@slack/bolt";
import { UsageError } from "../../../errors.js";
import { summaryPage } from "../../auditSummary.js";
import type { ActionArgs } from "../../middleware.js";
import type { SlackServices } from "../../services.js";

/**
 * "Previous" / "Next" under an audit summary: turns the page of the same message. A button's value is
 * whatever the client sends, so it is checked: the run must be the one this very message reports, it
 * must have finished, and the clicker needs the same permission as `/gong audit`, which made it (checked
 * by the middleware at registration).
 */
export function auditPageAction(services: SlackServices): Middleware<ActionArgs> {
  return async ({ body, action, client }) => {
    let value: { runId?: unknown; page?: unknown };
    try {
      value = JSON.parse(action.type === "button" ? (action.value ?? "{}") : "{}") as typeof value;
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
      blocks: summaryPage(
        report,
        page,
        {
          directory: services.ctx.repos.directory,
          approvals: services.ctx.repos.approvals,
          leavers: services.ctx.leavers,
        },
        { where: post.csvDelivered, startedBy: post.startedBy },
      ),
    });
  };
}
