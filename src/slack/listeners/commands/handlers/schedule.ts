import { UsageError } from "../../../../errors.js";
import { nextRunText, whatItRuns } from "../../../../schedules/describe.js";
import { section } from "../../../blocks/common.js";
import { scheduleListBlocks } from "../../../blocks/digest.js";
import { usageText } from "../../../blocks/help.js";
import { parseOptions, splitArgs } from "../../../input.js";
import { escapeMrkdwn } from "../../../mrkdwn.js";
import type { SubcommandRequest } from "../../../services.js";

/**
 * `/gong schedule add <cron> <what> [#channel] [--tz Zone] [--days N] [--skip-if-unchanged]` and
 * `/gong schedule list|remove|pause|resume|run <id>`. Admins only (checked before this runs). The cron
 * is quoted ("0 9 * * MON") or its five fields typed as they are; the channel defaults to this one and
 * the zone to the admin's own Slack time zone.
 */
const KINDS: Record<string, "sync" | "audit-digest"> = {
  sync: "sync",
  "audit-digest": "audit-digest",
  digest: "audit-digest",
};

export async function scheduleSubcommand(req: SubcommandRequest): Promise<void> {
  const { ctx } = req.services;
  const { positionals, options } = parseOptions(splitArgs(req.args), {
    tz: "string",
    days: "string",
    "skip-if-unchanged": "boolean",
  });
  const [action = "list", ...rest] = positionals;
  const service = ctx.schedules;
  if (action === "add") {
    const at = rest.findIndex((t) => t.toLowerCase() in KINDS);
    if (at < 1) throw new UsageError(`say when and what. Usage: ${usageText("schedule")}`);
    const cron = rest.slice(0, at).join(" ");
    const kind = KINDS[rest[at]!.toLowerCase()]!;
    const after = rest.slice(at + 1);
    if (after.length > 1) throw new UsageError(`unexpected "${after[1]}". Usage: ${usageText("schedule")}`);
    let channel = req.channelId;
    if (after[0] !== undefined) {
      const m = /^<#([CG][A-Z0-9]+)>$/.exec(after[0]);
      if (!m) throw new UsageError(`"${after[0]}" is not a channel: pick one with # (like #revops)`);
      channel = m[1]!;
    }
    if (options.days !== undefined && !/^\d{1,4}$/.test(String(options.days)))
      throw new UsageError("--days is a whole number");
    const timezone =
      typeof options.tz === "string"
        ? options.tz
        : await req.client.users
            .info({ user: req.userId })
            .then((r) => (r.user as { tz?: string } | undefined)?.tz ?? "UTC")
            .catch(() => "UTC");
    const s = service.add({
      kind,
      cron,
      timezone,
      channel,
      options: {
        ...(options.days !== undefined ? { days: Number(options.days) } : {}),
        ...(options["skip-if-unchanged"] ? { skipIfUnchanged: true } : {}),
      },
      createdBy: req.userId,
    });
    const text = `Schedule ${s.id} added: ${whatItRuns(s)} in <#${channel}>, \`${escapeMrkdwn(s.cron)}\` ${escapeMrkdwn(s.timezone)}. Next run: ${escapeMrkdwn(nextRunText(s))}.`;
    await req.respond({ text: `Schedule ${s.id} added`, blocks: [section(`:calendar: ${text}`)] });
    return;
  }
  if (Object.keys(options).length) throw new UsageError("--tz, --days and --skip-if-unchanged go with add");
  if (action === "list") {
    if (rest.length) throw new UsageError(`list takes nothing more. Usage: ${usageText("schedule")}`);
    await req.respond({ text: "Schedules", blocks: scheduleListBlocks(service.list()) });
    return;
  }
  if (!["remove", "pause", "resume", "run"].includes(action))
    throw new UsageError(`Usage: ${usageText("schedule")}`);
  if (rest.length !== 1 || !/^\d+$/.test(rest[0]!))
    throw new UsageError(`${action} takes a schedule id (\`/gong schedule list\` shows them)`);
  const id = Number(rest[0]);
  let text: string;
  if (action === "run") {
    service.get(id);
    req.services.schedules!.runNow(id);
    text = `Schedule ${id} runs now.`;
  } else if (action === "remove") {
    const s = service.remove(id);
    text = `Schedule ${id} removed (${whatItRuns(s)}).`;
  } else {
    const s = service.setPaused(id, action === "pause");
    text =
      action === "pause" ? `Schedule ${id} paused.` : `Schedule ${id} resumed; next run: ${nextRunText(s)}.`;
  }
  await req.respond({ text, blocks: [section(escapeMrkdwn(text))] });
  await req.services.home.refreshAll(req.client);
}
