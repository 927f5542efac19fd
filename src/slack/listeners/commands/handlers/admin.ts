import { parseExemptRule } from "../../../../audit/exemptions.js";
import { UsageError } from "../../../../errors.js";
import { context, section } from "../../../blocks/common.js";
import { usageLine } from "../../../blocks/help.js";
import { orgHealthBlocks } from "../../../blocks/lines.js";
import { escapeMrkdwn, literal } from "../../../mrkdwn.js";
import type { SubcommandRequest } from "../../../services.js";

/** The admin subcommands: audit, sync, org-health, exempt. Access was checked before these run. */

/** `/gong audit [days] [--activity any|hosted]` */
export async function auditSubcommand(req: SubcommandRequest): Promise<void> {
  const { ctx, audits } = req.services;
  const m = /(?:^|\s)--activity(?:\s+|=)(\S*)/.exec(req.args);
  if (m && m[1] !== "any" && m[1] !== "hosted")
    throw new UsageError(`--activity is any or hosted. Usage: ${usageLine("audit")}`);
  const activity = (m?.[1] ?? ctx.config.audit.activity) as "any" | "hosted";
  const arg = req.args.replace(/(?:^|\s)--activity(?:\s+|=)\S*/, "").trim();
  if (arg && !/^\d{1,5}$/.test(arg))
    throw new UsageError(`days is a whole number. Usage: ${usageLine("audit")}`);
  const days = arg ? Number(arg) : ctx.config.audit.days;
  if (days < 1) throw new UsageError(`days must be at least 1. Usage: ${usageLine("audit")}`);
  const outcome = await audits.start(req.client, req.channelId, req.userId, days, activity);
  if (!outcome.started) await req.respond({ text: outcome.reason, blocks: [section(outcome.reason)] });
}

/** `/gong sync` */
export async function syncSubcommand(req: SubcommandRequest): Promise<void> {
  const { ctx, home } = req.services;
  const running = ctx.directory.sync!.running();
  if (running) {
    const text = `A directory sync is already running (${running.by}, since ${running.since.toISOString().slice(11, 16)} UTC).`;
    await req.respond({ text, blocks: [section(escapeMrkdwn(text))] });
    return;
  }
  await req.respond({
    text: "Syncing the Gong directory…",
    blocks: [section(":arrows_counterclockwise: Syncing the Gong directory…")],
  });
  const { run } = await ctx.directory.sync!.run({ trigger: `slack by ${req.userId}` });
  const counts = Object.entries(run.counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k.replace("_", " ")}`)
    .join(", ");
  const text = `Directory synced: ${run.usersSeen} users, ${counts || "no changes"}.`;
  await req.respond({
    text,
    blocks: [
      section(`:white_check_mark: ${text}`),
      context(`${run.requestsUsed} Gong requests · sync ${run.id}`),
    ],
  });
  await home.refreshAll(req.client);
}

/** `/gong org-health` */
export async function orgHealthSubcommand(req: SubcommandRequest): Promise<void> {
  const { ctx } = req.services;
  if (!ctx.repos.directory.state()) await ctx.directory.sync!.run({ trigger: `slack by ${req.userId}` });
  const health = (await ctx.directory.hierarchy.orgHealth())!;
  await req.respond({ text: "Org health", blocks: orgHealthBlocks(health) });
}

/** `/gong exempt add|remove <rule> [reason…]` and `/gong exempt list` */
export async function exemptSubcommand(req: SubcommandRequest): Promise<void> {
  const repo = req.services.ctx.repos.exemptions;
  const [action = "", rule = "", ...reason] = req.args.trim().split(/\s+/);
  if (action === "list") {
    const rows = repo.list();
    const lines = rows.map(
      (r) => `• ${r.kind} \`${escapeMrkdwn(r.value)}\`${r.reason ? ` — ${literal(r.reason)}` : ""}`,
    );
    const setting = req.services.ctx.config.audit.exempt.map(
      (t) => `• \`${escapeMrkdwn(t)}\` _(GONGOPS_AUDIT_EXEMPT)_`,
    );
    const all = [...lines, ...setting];
    await req.respond({
      text: "Exempt list",
      blocks: [section(all.length ? `*Exempt from the audit*\n${all.join("\n")}` : "Nobody is exempt.")],
    });
    return;
  }
  if ((action !== "add" && action !== "remove") || !rule)
    throw new UsageError(`Usage: ${usageLine("exempt")}`);
  const parsed = parseExemptRule(rule);
  const label = `${parsed.kind} \`${escapeMrkdwn(parsed.value)}\``;
  if (action === "add") {
    const added = repo.add(
      { ...parsed, reason: reason.join(" ") || null, createdBy: req.userId },
      new Date(),
    );
    await req.respond({
      text: "Exempt list updated",
      blocks: [section(added ? `Exempt: ${label}` : `Already exempt: ${label}`)],
    });
  } else {
    const removed = repo.remove(parsed.kind, parsed.value);
    await req.respond({
      text: "Exempt list updated",
      blocks: [section(removed ? `No longer exempt: ${label}` : `Not on the list: ${label}`)],
    });
  }
}
