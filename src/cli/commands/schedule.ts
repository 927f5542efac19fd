import { terminalLabel } from "../../approvals/types.js";
import type { Config } from "../../config.js";
import { GongopsError, UsageError } from "../../errors.js";
import { nextRunText, scheduleJson, statusText, whatItRuns } from "../../schedules/describe.js";
import { ScheduleRunner } from "../../schedules/runner.js";
import type { ScheduleView } from "../../schedules/schedules.service.js";
import { channelId } from "../../slack/channels.js";
import { isChannelId } from "../../slackIds.js";
import { type CommandCode, flag, intOption, stringOption } from "../command.js";
import { withContext } from "../context.js";
import { table } from "../format.js";
import { printJson } from "../io.js";

function parseId(action: string, raw: string | undefined): number {
  if (raw === undefined || !/^\d+$/.test(raw))
    throw new UsageError(`${action} takes a schedule id (a number)`);
  return Number(raw);
}

function row(s: ScheduleView): Record<string, string> {
  return {
    id: String(s.id),
    runs: whatItRuns(s),
    cron: `${s.cron} ${s.timezone}`,
    channel: s.channel ?? "",
    next: nextRunText(s),
    last: statusText(s),
  };
}

/** `--channel C…` as it is; `--channel #revops` found in Slack (needs SLACK_BOT_TOKEN, channels:read). */
async function channelOf(config: Config, given: string): Promise<string> {
  if (isChannelId(given.trim())) return given.trim();
  const token = config.slack.botToken;
  if (!token)
    throw new GongopsError(
      "CONFIG_INVALID",
      `"${given}" is a channel name: finding its id needs SLACK_BOT_TOKEN (with channels:read). Set it, or give the channel's id (C…, in the channel's details)`,
    );
  // Slack's client loads only here: every other schedule command starts without it.
  const [{ webApi }, { slackClientOptions }] = await Promise.all([
    import("@slack/bolt"),
    import("../../slack/webClient.js"),
  ]);
  return channelId(new webApi.WebClient(token.reveal(), slackClientOptions(config)), given);
}

export const scheduleCommand: CommandCode = {
  async run(args, io) {
    const [action = "list", ...rest] = args.positionals;
    const json = flag(args, "json");
    const addOnly = ["cron", "tz", "kind", "channel", "days", "skip-if-unchanged"].filter(
      (o) => args.values[o] !== undefined,
    );
    if (action !== "add" && addOnly.length) throw new UsageError(`--${addOnly[0]} goes with add`);
    if (action === "add") {
      if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}" (use --cron "…" and --kind)`);
      const cron = stringOption(args, "cron");
      if (!cron) throw new UsageError('add needs --cron, e.g. --cron "0 9 * * MON"');
      const days = args.values.days === undefined ? undefined : intOption(args, "days", 90, 1, 2700);
      return withContext(io, [], async (ctx) => {
        const given = stringOption(args, "channel");
        const channel = given === undefined ? null : await channelOf(ctx.config, given);
        const s = ctx.schedules.add({
          kind: stringOption(args, "kind") ?? "audit-digest",
          cron,
          timezone: stringOption(args, "tz") ?? "UTC",
          channel,
          options: {
            ...(days ? { days } : {}),
            ...(flag(args, "skip-if-unchanged") ? { skipIfUnchanged: true } : {}),
          },
          // Not a Slack id: a failing schedule made here tells the admins (scheduleOutput.ts).
          createdBy: terminalLabel(ctx.config.approvals.operator),
        });
        if (json) printJson(io, { schedule: scheduleJson(s) });
        else io.stdout(`Schedule ${s.id} added: ${whatItRuns(s)}, next run ${nextRunText(s)}.\n`);
        return 0;
      });
    }
    if (action === "list") {
      if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}"`);
      return withContext(io, [], async (ctx) => {
        const list = ctx.schedules.list();
        if (json) printJson(io, { schedules: list.map(scheduleJson) });
        else if (list.length === 0)
          io.stdout('No schedules. Add one: gongops schedule add --cron "0 9 * * MON" --channel C…\n');
        else io.stdout(`${table(list.map(row), ["id", "runs", "cron", "channel", "next", "last"])}\n`);
        return 0;
      });
    }
    if (["remove", "pause", "resume", "run"].includes(action)) {
      if (rest.length !== 1) throw new UsageError(`${action} takes one schedule id`);
      const id = parseId(action, rest[0]);
      return withContext(io, [], async (ctx) => {
        if (action === "run") {
          const s = ctx.schedules.get(id);
          const runner = new ScheduleRunner({
            schedules: ctx.repos.schedules,
            jobs: ctx.repos.jobs,
            sync: null,
            digests: null,
            output: null,
            log: ctx.log,
            clock: ctx.clock,
            maxLateMs: ctx.config.schedules.maxLateHours * 3_600_000,
            defaultDays: ctx.config.audit.days,
          });
          const { jobId } = runner.runNow(id);
          if (json) printJson(io, { schedule: scheduleJson(s), jobId });
          else io.stdout(`Schedule ${id} queued to run now (job ${jobId}); \`gongops start\` runs it.\n`);
          return 0;
        }
        const s =
          action === "remove" ? ctx.schedules.remove(id) : ctx.schedules.setPaused(id, action === "pause");
        const done = { remove: "removed", pause: "paused", resume: "resumed" }[
          action as "remove" | "pause" | "resume"
        ];
        if (json) printJson(io, { schedule: scheduleJson(s), [done]: true });
        else
          io.stdout(`Schedule ${id} ${done}${action === "resume" ? `; next run ${nextRunText(s)}` : ""}.\n`);
        return 0;
      });
    }
    throw new UsageError(`unknown action "${action}": use add, list, remove, pause, resume or run`);
  },
};
