import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from "@slack/bolt";
import { afterAck } from "../../../pace.js";
import { helpBlocks, SUBCOMMANDS, type Subcommand } from "../../blocks/help.js";
import { explainError } from "../../explain.js";
import { decodeSlackText } from "../../input.js";
import { escapeMrkdwn } from "../../mrkdwn.js";
import type { SlackServices, SubcommandRequest } from "../../services.js";
import { auditSubcommand, exemptSubcommand, orgHealthSubcommand, syncSubcommand } from "./handlers/admin.js";
import { chainSubcommand, reportsSubcommand, userSubcommand } from "./handlers/lookups.js";
import { scheduleSubcommand } from "./handlers/schedule.js";

/**
 * `/gong <subcommand> ...`: acks at once (Slack allows 3 seconds), then checks who is asking and does
 * the work, answering through the response_url. Unknown subcommands are answered in the ack itself.
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
  "org-health": orgHealthSubcommand,
  exempt: exemptSubcommand,
  schedule: scheduleSubcommand,
};

export function gongCommand(services: SlackServices) {
  return async ({
    command,
    ack,
    respond,
    client,
  }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    // Slack escapes what people type (&amp;, <mailto:…|…>, <@U…|name>): decoded once, here.
    const text = decodeSlackText(command.text).trim();
    const word = (text.split(/\s+/)[0] ?? "").toLowerCase() || "help";
    if (!Object.hasOwn(SUBCOMMANDS, word)) {
      await ack({
        response_type: "ephemeral",
        text: `I don't know “${escapeMrkdwn(word)}”. Try \`/gong help\`: ${Object.keys(SUBCOMMANDS).join(", ")}.`,
      });
      return;
    }
    await ack();
    await afterAck();
    const sub = word as Subcommand;
    const reply = (r: { text: string; blocks?: unknown[] }) =>
      respond({ response_type: "ephemeral", replace_original: false, ...r } as never);
    try {
      if (
        !(await services.access.check(sub, command.user_id, client, `/gong ${sub} in ${command.channel_id}`))
      ) {
        await reply({
          text: `Only gongops admins can run \`/gong ${sub}\`. \`/gong help\` shows what you can do.`,
        });
        return;
      }
      await HANDLERS[sub]({
        services,
        client,
        userId: command.user_id,
        channelId: command.channel_id,
        args: text.slice(word.length).trim(),
        respond: reply,
      });
    } catch (error) {
      services.log.warn("/gong failed", {
        subcommand: sub,
        user: command.user_id,
        reason: (error as Error).message,
      });
      await reply({ text: `:warning: ${escapeMrkdwn(explainError(error))}` }).catch(() => {});
    }
  };
}
