import { NotFoundError, UsageError } from "../../../../errors.js";
import { usageText } from "../../../blocks/help.js";
import { requestBlocks, requestsBlocks, trailBlocks } from "../../../blocks/requests.js";
import { parseOptions, splitArgs } from "../../../input.js";
import { escapeMrkdwn } from "../../../mrkdwn.js";
import { lookupQuery, resolveUserId } from "../../../resolve.js";
import type { SubcommandRequest } from "../../../services.js";

/**
 * `/gong requests [id]`, `/gong trail [who]` and `/gong reactivate <who> <reason>`: the terminal's
 * `gongops requests`, `trail` and `reactivate`, from Slack (admins; the access check ran before).
 */

/** `/gong requests`: the open requests; `/gong requests <id>`: one, with its buttons. */
export async function requestsSubcommand(req: SubcommandRequest): Promise<void> {
  const approvals = req.services.ctx.approvals;
  const [id, ...rest] = splitArgs(req.args);
  if (rest.length > 0 || (id !== undefined && !/^#?\d+$/.test(id)))
    throw new UsageError(`Usage: ${usageText("requests")}`);
  if (id === undefined) {
    const views = approvals.list({ open: true });
    await req.respond({
      text: `${views.length} open deactivation requests`,
      blocks: requestsBlocks(views, approvals.capToday()),
    });
    return;
  }
  const view = approvals.view(Number(id.replace("#", "")));
  if (!view) throw new NotFoundError(`there is no request #${id.replace("#", "")}`);
  await req.respond({ text: `Deactivation request #${view.request.id}`, blocks: requestBlocks(view) });
}

/** `/gong trail [who]`: every move, newest first; one person's when named (@someone, email, name, id). */
export async function trailSubcommand(req: SubcommandRequest): Promise<void> {
  const who = req.args.trim();
  const asker = { userId: req.userId, client: req.client };
  const userId = who ? await resolveUserId(req.services, asker, who) : undefined;
  const rows = req.services.ctx.approvals.trail({ userId });
  const repo = req.services.ctx.repos.approvals;
  const names = new Map<number, string>();
  for (const t of rows)
    if (!names.has(t.subjectId)) names.set(t.subjectId, repo.subject(t.subjectId)?.name ?? "");
  const about = userId ? (repo.subjectsOfUser(userId)[0]?.name ?? who) : null;
  await req.respond({ text: "The deactivation trail", blocks: trailBlocks(rows, names, about) });
}

/**
 * `/gong reactivate <who> <reason…>` (quote a name with spaces) or `<who> --reason "…"`: undoes a
 * deactivation gongops made, as `gongops reactivate`; the reason is required.
 */
export async function reactivateSubcommand(req: SubcommandRequest): Promise<void> {
  const { positionals, options } = parseOptions(splitArgs(req.args), { reason: "string" });
  const given = typeof options.reason === "string";
  const who = given ? positionals.join(" ") : (positionals[0] ?? "");
  const reason = given ? String(options.reason) : positionals.slice(1).join(" ");
  if (!who || !reason.trim()) throw new UsageError(`say who and why. Usage: ${usageText("reactivate")}`);
  const query = await lookupQuery({ userId: req.userId, client: req.client }, who);
  const s = await req.services.ctx.approvals.reactivate({
    who: query,
    reason,
    actor: { slackUserId: req.userId, label: `<@${req.userId}>`, isAdmin: true },
  });
  await req.respond({
    text: `${escapeMrkdwn(s.name)} is active again in Gong: ${escapeMrkdwn(reason.trim())}`,
  });
  await req.services.approvals?.render(s.requestId);
}
