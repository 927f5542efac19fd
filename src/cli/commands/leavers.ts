import { webApi } from "@slack/bolt";
import { UsageError } from "../../errors.js";
import { NEWCOMER_ADVICE } from "../../leavers/newcomers.js";
import { SlackPeopleDirectory } from "../../slack/approvals.js";
import { slackClientOptions } from "../../slack/webClient.js";
import { utcMinute } from "../../time.js";
import { type CommandCode, flag } from "../command.js";
import { withContext } from "../context.js";
import { day, table } from "../format.js";
import { printJson } from "../io.js";
import { renderLeavers } from "./leaversReport.js";

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
