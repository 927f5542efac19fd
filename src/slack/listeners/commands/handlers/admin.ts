import { describeMatches } from "../../../../audit/exemptions.service.js";
import { doctorPassed, renderDoctor } from "../../../../doctor/doctor.js";
import { UsageError } from "../../../../errors.js";
import { context, linesToSections, section } from "../../../blocks/common.js";
import { usageText } from "../../../blocks/help.js";
import { orgHealthBlocks } from "../../../blocks/lines.js";
import { runDoctor } from "../../../doctor.js";
import { parseOptions, splitArgs } from "../../../input.js";
import { escapeMrkdwn, literal } from "../../../mrkdwn.js";
import type { SubcommandRequest } from "../../../services.js";

/** The admin subcommands: audit, sync, doctor, org-health, exempt. Access was checked before these run. */

/** `/gong audit [days] [--activity any|hosted]` */
export async function auditSubcommand(req: SubcommandRequest): Promise<void> {
  const { ctx, audits } = req.services;
  const { positionals, options } = parseOptions(splitArgs(req.args), { activity: "string" });
  if (options.activity !== undefined && options.activity !== "any" && options.activity !== "hosted")
    throw new UsageError(`--activity is any or hosted. Usage: ${usageText("audit")}`);
  const activity = (options.activity ?? ctx.config.audit.activity) as "any" | "hosted";
  if (positionals.length > 1)
    throw new UsageError(`one number of days at most. Usage: ${usageText("audit")}`);
  const arg = positionals[0] ?? "";
  if (arg && !/^\d{1,6}$/.test(arg))
    throw new UsageError(`days is a whole number. Usage: ${usageText("audit")}`);
  const days = arg ? Number(arg) : ctx.config.audit.days;
  // Refused here, before anything is posted in the channel.
  ctx.audit.checkDays(days);
  const outcome = await audits.start(req.client, req.channelId, req.userId, days, activity);
  if (!outcome.started) await req.respond({ text: outcome.reason, blocks: [section(outcome.reason)] });
}

/** `/gong sync` */
export async function syncSubcommand(req: SubcommandRequest): Promise<void> {
  const { ctx, home } = req.services;
  const running = ctx.directory.sync.running();
  if (running) {
    const text = `A directory sync is already running (${running.by}, since ${running.since.toISOString().slice(11, 16)} UTC).`;
    await req.respond({ text, blocks: [section(escapeMrkdwn(text))] });
    return;
  }
  await req.respond({
    text: "Syncing the Gong directory…",
    blocks: [section(":arrows_counterclockwise: Syncing the Gong directory…")],
  });
  const { run } = await ctx.directory.sync.run({ trigger: `slack by ${req.userId}` });
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

/** `/gong doctor` (admins): the same checks as `gongops doctor`, answered only to the admin. */
export async function doctorSubcommand(req: SubcommandRequest): Promise<void> {
  const lines = await runDoctor(req.services.ctx);
  const ok = doctorPassed(lines);
  const text = `${ok ? "All checks passed." : "Some checks failed."}\n${renderDoctor(lines)}`;
  // Every detail is gongops' own words or a Slack/Gong error code: escaped all the same.
  await req.respond({ text: escapeMrkdwn(text), blocks: linesToSections(escapeMrkdwn(text).split("\n")) });
}

/** `/gong org-health` */
export async function orgHealthSubcommand(req: SubcommandRequest): Promise<void> {
  const { ctx } = req.services;
  if (!ctx.repos.directory.state()) await ctx.directory.sync.run({ trigger: `slack by ${req.userId}` });
  const health = (await ctx.directory.hierarchy.orgHealth())!;
  await req.respond({ text: "Org health", blocks: orgHealthBlocks(health) });
}

/** `/gong exempt add|remove <rule> [--reason "…"] [--force]` and `/gong exempt list` */
export async function exemptSubcommand(req: SubcommandRequest): Promise<void> {
  const service = req.services.ctx.exemptions;
  const { positionals, options } = parseOptions(splitArgs(req.args), { reason: "string", force: "boolean" });
  const [action = "", ...rest] = positionals;
  if (action === "list") {
    if (rest.length || Object.keys(options).length)
      throw new UsageError(`list takes nothing more. Usage: ${usageText("exempt")}`);
    const lines = service
      .list()
      .map(
        (r) =>
          `• ${r.kind} \`${escapeMrkdwn(r.value)}\`${r.reason ? ` — ${literal(r.reason)}` : ""}${r.source === "list" ? "" : " _(GONGOPS_AUDIT_EXEMPT)_"}`,
      );
    await req.respond({
      text: "Exempt list",
      blocks: linesToSections(lines.length ? ["*Exempt from the audit*", ...lines] : ["Nobody is exempt."]),
    });
    return;
  }
  if (action !== "add" && action !== "remove") throw new UsageError(`Usage: ${usageText("exempt")}`);
  if (rest.length !== 1) {
    throw new UsageError(
      rest.length === 0
        ? `say which rule. Usage: ${usageText("exempt")}`
        : `one rule at a time: quote a rule with spaces ("title:Vice President*") and give the reason with --reason "…". Nothing was changed.`,
    );
  }
  if (action === "remove") {
    if (Object.keys(options).length) throw new UsageError("--reason and --force go with add");
    const r = service.remove(rest[0]!);
    const label = `${r.rule.kind} \`${escapeMrkdwn(r.rule.value)}\``;
    await req.respond({
      text: "Exempt list updated",
      blocks: [section(r.removed ? `No longer exempt: ${label}` : `Not on the list: ${label}`)],
    });
    return;
  }
  const r = service.add(rest[0]!, {
    reason: typeof options.reason === "string" ? options.reason : null,
    by: req.userId,
    force: options.force === true,
  });
  const label = `${r.rule.kind} \`${escapeMrkdwn(r.rule.value)}\``;
  await req.respond({
    text: "Exempt list updated",
    blocks: [
      section(
        `${r.added ? "Exempt" : "Already exempt"}: ${label}${r.reason ? ` — reason: ${literal(r.reason)}` : " (no reason given)"}`,
      ),
      context(escapeMrkdwn(`This rule ${describeMatches(r)}.`)),
    ],
  });
}
