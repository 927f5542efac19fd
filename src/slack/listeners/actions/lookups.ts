import type { Middleware } from "@slack/bolt";
import { NotFoundError, UsageError } from "../../../errors.js";
import { chainBlocks, type MoreLines, reportsBlocks } from "../../blocks/lines.js";
import { type ActionArgs, ephemeral } from "../../middleware.js";
import type { Reply, SlackServices } from "../../services.js";

/**
 * A button whose answer is an ephemeral reply built from its value. The ack, the access check and
 * errors are the middleware's (middleware.ts, wired in listeners/index.ts).
 */
export function buttonHandler(build: (value: string) => Reply | Promise<Reply>): Middleware<ActionArgs> {
  return async ({ action, respond }) => {
    const value = action.type === "button" ? (action.value ?? "") : "";
    await ephemeral(respond, await build(value));
  };
}

/** "Reporting line" on a user card. */
export function showChainAction(services: SlackServices) {
  return buttonHandler(async (userId) => {
    const chain = await services.ctx.directory.hierarchy.chain(userId);
    if (!chain) throw new NotFoundError("That user is no longer in the directory.");
    return { text: "Reporting line", blocks: chainBlocks(chain) };
  });
}

/** "Direct reports" on a user card: one level, expandable with /gong reports. */
export function showReportsAction(services: SlackServices) {
  return buttonHandler(async (userId) => {
    const reports = await services.ctx.directory.hierarchy.reports(userId, 1);
    if (!reports) throw new NotFoundError("That user is no longer in the directory.");
    return { text: "Direct reports", blocks: reportsBlocks(reports) };
  });
}

/** "Show more" under a long chain or tree: the next page, rebuilt from the directory. */
export function moreLinesAction(services: SlackServices) {
  return buttonHandler(async (value) => {
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
