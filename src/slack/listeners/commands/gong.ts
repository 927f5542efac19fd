import type { Middleware } from "@slack/bolt";
import { helpBlocks, type Subcommand } from "../../blocks/help.js";
import { decodeSlackText } from "../../input.js";
import { type CommandArgs, ephemeral } from "../../middleware.js";
import type { SlackServices, SubcommandRequest } from "../../services.js";
import {
  auditSubcommand,
  doctorSubcommand,
  exemptSubcommand,
  orgHealthSubcommand,
  syncSubcommand,
} from "./handlers/admin.js";
import { deactivateSubcommand } from "./handlers/approvals.js";
import { leaversSubcommand, newcomersSubcommand } from "./handlers/leavers.js";
import { chainSubcommand, reportsSubcommand, userSubcommand } from "./handlers/lookups.js";
import { reactivateSubcommand, requestsSubcommand, trailSubcommand } from "./handlers/requests.js";
import { scheduleSubcommand } from "./handlers/schedule.js";

/**
 * `/gong <subcommand> ...`: each subcommand's handler, answering through the response_url. The ack,
 * the access check and errors are the middleware's (middleware.ts, wired in listeners/index.ts).
 */
const HANDLERS: Record<Subcommand, (req: SubcommandRequest) => Promise<void>> = {
  help: async (req) => {
    const allowed = await req.services.access.allowed(req.userId, req.client);
    await req.respond({ text: "gongops help", blocks: helpBlocks(allowed) });
  },
  user: userSubcommand,
  chain: chainSubcommand,
  reports: reportsSubcommand,
  audit: auditSubcommand,
  sync: syncSubcommand,
  doctor: doctorSubcommand,
  "org-health": orgHealthSubcommand,
  exempt: exemptSubcommand,
  deactivate: deactivateSubcommand,
  requests: requestsSubcommand,
  trail: trailSubcommand,
  reactivate: reactivateSubcommand,
  schedule: scheduleSubcommand,
  leavers: leaversSubcommand,
  newcomers: newcomersSubcommand,
};

/** After ackCommand and requireAccess (middleware.ts): the subcommand's own work. */
export function gongCommand(services: SlackServices): Middleware<CommandArgs> {
  return async ({ command, context, respond, client }) => {
    const sub = context.subcommand as Subcommand;
    // Slack escapes what people type (&amp;, <mailto:…|…>, <@U…|name>): decoded once, here.
    const text = decodeSlackText(command.text).trim();
    await HANDLERS[sub]({
      services,
      client,
      userId: command.user_id,
      channelId: command.channel_id,
      args: text.slice(text.split(/\s+/)[0]!.length).trim(),
      respond: (r) => ephemeral(respond, r),
    });
  };
}
