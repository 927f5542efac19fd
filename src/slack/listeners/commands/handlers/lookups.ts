import { NotFoundError, UsageError } from "../../../../errors.js";
import { usageText } from "../../../blocks/help.js";
import { chainBlocks, reportsBlocks } from "../../../blocks/lines.js";
import { lookupBlocks } from "../../../blocks/users.js";
import { parseOptions, splitArgs } from "../../../input.js";
import { escapeMrkdwn } from "../../../mrkdwn.js";
import { lookupWho, resolveUserId } from "../../../resolve.js";
import type { SubcommandRequest } from "../../../services.js";

/** `/gong user <who>` */
export async function userSubcommand(req: SubcommandRequest): Promise<void> {
  const { ctx } = req.services;
  const r = await lookupWho(req.services, req, req.args);
  // The activity line asks Gong live (two requests: the statistics, and today's hosted calls): admins
  // get it, members within their budget of such lines (liveBudget.ts); past it, the card says so
  // rather than spend the company's Gong budget.
  const mayAskGong =
    (await req.services.access.isAdmin(req.userId, req.client)) || req.services.liveLookups.take(req.userId);
  const activity =
    r.match !== "one"
      ? undefined
      : mayAskGong
        ? await ctx.audit.userActivityLine(r.user.id)
        : "activity: not checked (your live Gong lookups are used up for a few minutes)";
  const text =
    r.match === "one"
      ? `Gong user ${r.user.name}`
      : r.match === "many"
        ? `${r.total} Gong users match`
        : "No Gong user matches";
  await req.respond({ text: escapeMrkdwn(text), blocks: lookupBlocks(r, activity) });
}

/** `/gong chain <who>` */
export async function chainSubcommand(req: SubcommandRequest): Promise<void> {
  const id = await resolveUserId(req.services, req, req.args);
  const chain = await req.services.ctx.directory.hierarchy.chain(id);
  if (!chain)
    throw new NotFoundError("That user is not in the directory snapshot yet; a sync will add them.");
  await req.respond({
    text: escapeMrkdwn(`Reporting line of ${chain.chain[0]!.name}`),
    blocks: chainBlocks(chain),
  });
}

/** `/gong reports <who> [--depth N]` */
export async function reportsSubcommand(req: SubcommandRequest): Promise<void> {
  const { positionals, options } = parseOptions(splitArgs(req.args), { depth: "string" });
  let depth: number | null = null;
  if (options.depth !== undefined) {
    const raw = String(options.depth);
    if (!/^\d{1,4}$/.test(raw) || Number(raw) < 1)
      throw new UsageError(`--depth wants a whole number of 1 or more. Usage: ${usageText("reports")}`);
    depth = Number(raw);
  }
  const id = await resolveUserId(req.services, req, positionals.join(" "));
  const reports = await req.services.ctx.directory.hierarchy.reports(id, depth);
  if (!reports)
    throw new NotFoundError("That user is not in the directory snapshot yet; a sync will add them.");
  await req.respond({
    text: escapeMrkdwn(`Reports of ${reports.tree.user.name}`),
    blocks: reportsBlocks(reports),
  });
}
