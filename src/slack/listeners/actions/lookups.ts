import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import { NotFoundError, UsageError } from "../../../errors.js";
import { afterAck } from "../../../pace.js";
import type { Subcommand } from "../../blocks/help.js";
import { chainBlocks, type MoreLines, reportsBlocks } from "../../blocks/lines.js";
import { explainError } from "../../explain.js";
import { escapeMrkdwn } from "../../mrkdwn.js";
import type { Reply, SlackServices } from "../../services.js";

type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** Button handlers share this: ack, check access, build the reply, answer ephemerally. */
export function buttonHandler(
  services: SlackServices,
  what: Subcommand,
  build: (value: string) => Reply | Promise<Reply>,
) {
  return async ({ ack, body, action, respond, client }: ButtonArgs): Promise<void> => {
    await ack();
    await afterAck();
    const reply = (r: Reply) =>
      respond({ response_type: "ephemeral", replace_original: false, ...r } as never);
    try {
      if (!(await services.access.check(what, body.user.id, client, `button ${action.action_id}`))) {
        await reply({ text: "Only gongops admins can do that." });
        return;
      }
      await reply(await build(action.value ?? ""));
    } catch (error) {
      services.log.warn("button failed", { action: action.action_id, reason: (error as Error).message });
      await reply({ text: `:warning: ${escapeMrkdwn(explainError(error))}` }).catch(() => {});
    }
  };
}

/** "Reporting line" on a user card. */
export function showChainAction(services: SlackServices) {
  return buttonHandler(services, "chain", async (userId) => {
    const chain = await services.ctx.directory.hierarchy.chain(userId);
    if (!chain) throw new NotFoundError("That user is no longer in the directory.");
    return { text: "Reporting line", blocks: chainBlocks(chain) };
  });
}

/** "Direct reports" on a user card: one level, expandable with /gong reports. */
export function showReportsAction(services: SlackServices) {
  return buttonHandler(services, "reports", async (userId) => {
    const reports = await services.ctx.directory.hierarchy.reports(userId, 1);
    if (!reports) throw new NotFoundError("That user is no longer in the directory.");
    return { text: "Direct reports", blocks: reportsBlocks(reports) };
  });
}

/** "Show more" under a long chain or tree: the next page, rebuilt from the directory. */
export function moreLinesAction(services: SlackServices) {
  return buttonHandler(services, "reports", async (value) => {
    let more: MoreLines;
    try {
      more = JSON.parse(value) as MoreLines;
    } catch {
      throw new UsageError("That button is out of date; run the command again.");
    }
    const h = services.ctx.directory.hierarchy;
    if (more.kind === "chain") {
      const chain = await h.chain(more.userId);
      if (!chain) throw new NotFoundError("That user is no longer in the directory.");
      return { text: "Reporting line (continued)", blocks: chainBlocks(chain, more.offset) };
    }
    const reports = await h.reports(more.userId, more.depth);
    if (!reports) throw new NotFoundError("That user is no longer in the directory.");
    return { text: "Reports (continued)", blocks: reportsBlocks(reports, more.offset) };
  });
}
