import { webApi } from "@slack/bolt";
import { money } from "../../digest/digest.js";
import { UsageError } from "../../errors.js";
import { SOURCE_WORDS } from "../../leavers/core.js";
import { NEWCOMER_ADVICE } from "../../leavers/newcomers.js";
import type { LeaversView } from "../../leavers/types.js";
import { SlackPeopleDirectory } from "../../slack/approvals.js";
import { slackClientOptions } from "../../slack/webClient.js";
import { utcMinute } from "../../time.js";
import { type CommandCode, flag } from "../command.js";
import { withContext } from "../context.js";
import { day, table } from "../format.js";
import { printJson } from "../io.js";

export function renderLeavers(v: LeaversView): string {
  const n = v.leavers.length;
  const cost = v.yearlyCost ? ` — ${money(v.yearlyCost.amount, v.yearlyCost.currency)} a year` : "";
  const out = [
    n === 0
      ? `No leavers: no active Gong user's account is closed in ${v.sources.map((s) => SOURCE_WORDS[s]).join(" or ") || "Slack"}.`
      : `${n} ${n === 1 ? "person left the company and still holds" : "people left the company and still hold"} a Gong seat${cost}.`,
  ];
  if (n > 0)
    out.push(
      table(
        v.rows.map((r) => ({
          id: r.userId,
          name: r.name,
          email: r.email,
          left: `${SOURCE_WORDS[r.source]}${r.since ? ` ${day(r.since)}` : ""}`,
          manager: v.managers.get(r.userId) ?? "",
        })),
        ["id", "name", "email", "left", "manager"],
      ),
    );
  if (v.notInSlack.length > 0)
    out.push(
      "",
      `Not in Slack (${v.notInSlack.length}; never counted as leavers: contractors, Gong-only users):`,
      table(
        v.notInSlack.map((p) => ({ id: p.id, name: p.name, email: p.email })),
        ["id", "name", "email"],
      ),
    );
  out.push(
    "",
    `Checked ${v.checkedAt ? `${utcMinute(v.checkedAt)} UTC` : "never"} against ${v.sources.map((s) => SOURCE_WORDS[s]).join(" and ")}; the Gong directory as of ${v.snapshotAt ? `${utcMinute(v.snapshotAt)} UTC` : "never"}.`,
  );
  return `${out.join("\n")}\n`;
}

export const leaversCommand: CommandCode = {
  async run(args, io) {
    return withContext(io, [], async (ctx) => {
      const token = ctx.config.slack.botToken;
      // Slack, the IdP (GONGOPS_DEACTIVATE_VIA=okta|entra), or both: without either there is no evidence.
      if (!token && ctx.leavers.sources.length === 0)
        throw new UsageError(
          "finding leavers reads Slack's accounts or the IdP's: set SLACK_BOT_TOKEN (a bot token with users:read and users:read.email), or GONGOPS_DEACTIVATE_VIA=okta|entra",
        );
      if (token) {
        const client = new webApi.WebClient(token.reveal(), slackClientOptions(ctx.config));
        ctx.leavers.connect({
          slack: new SlackPeopleDirectory(() => client, ctx.log.child("slack"), ctx.clock),
        });
      }
      const view = await ctx.leavers.check();
      if (flag(args, "json")) printJson(io, { leavers: view.leavers, notInSlack: view.notInSlack });
      else io.stdout(renderLeavers(view));
      return 0;
    });
  },
};

export const newcomersCommand: CommandCode = {
  async run(args, io) {
    return withContext(io, [], async (ctx) => {
      const { audit, newcomers } = ctx.leavers.newcomers();
      if (flag(args, "json")) {
        printJson(io, { audit, newcomers });
        return 0;
      }
      if (!audit) {
        io.stdout(
          "No audit under the any rule has finished yet: stuck newcomers come from what it reads (gongops audit --activity any).\n",
        );
        return 0;
      }
      const n = newcomers.length;
      const lines = [
        `${n} new Gong user${n === 1 ? "" : "s"} with no activity since creation (audit ${audit.id}, finished ${audit.finishedAt ? `${utcMinute(audit.finishedAt)} UTC` : "?"}).`,
      ];
      if (n > 0)
        lines.push(
          table(
            newcomers.map((u) => ({
              id: u.id,
              name: u.name,
              email: u.email ?? "",
              created: day(u.created),
              days: String(u.daysSinceCreated),
            })),
            ["id", "name", "email", "created", "days"],
          ),
          "",
          `They ${NEWCOMER_ADVICE}. gongops never files them for deactivation.`,
        );
      io.stdout(`${lines.join("\n")}\n`);
      return 0;
    });
  },
};
