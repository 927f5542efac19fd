import { UsageError } from "../../../../errors.js";
import { NEWCOMER_ADVICE } from "../../../../leavers/newcomers.js";
import { context, linesToSections, section } from "../../../blocks/common.js";
import { usageText } from "../../../blocks/help.js";
import { leaversBlocks } from "../../../blocks/leavers.js";
import { email, escapeMrkdwn, literal } from "../../../mrkdwn.js";
import type { SubcommandRequest } from "../../../services.js";

/** `/gong leavers`: a check now (the directory snapshot, and Slack's users.list within its freshness). */
export async function leaversSubcommand(req: SubcommandRequest): Promise<void> {
  if (req.args) throw new UsageError(`leavers takes no arguments. Usage: ${usageText("leavers")}`);
  const view = await req.services.ctx.leavers.check();
  await req.respond({ text: `${view.leavers.length} leavers`, blocks: leaversBlocks(view) });
}

/** `/gong newcomers`: the newest "any" audit's stuck newcomers. */
export async function newcomersSubcommand(req: SubcommandRequest): Promise<void> {
  if (req.args) throw new UsageError(`newcomers takes no arguments. Usage: ${usageText("newcomers")}`);
  const { audit, newcomers } = req.services.ctx.leavers.newcomers();
  if (!audit) {
    const text =
      "No audit under the any rule has finished yet: stuck newcomers come from what it reads (`/gong audit --activity any`).";
    await req.respond({ text, blocks: [section(text)] });
    return;
  }
  const head = `*${newcomers.length} new Gong user${newcomers.length === 1 ? "" : "s"} with no activity since creation* (audit ${audit.id})`;
  await req.respond({
    text: `${newcomers.length} stuck newcomers`,
    blocks: [
      section(head),
      ...linesToSections(
        newcomers.map(
          (n) =>
            `• ${literal(n.name)} ${email(n.email)}: created ${n.created.slice(0, 10)}, ${n.daysSinceCreated} days ago`,
        ),
      ),
      context(`They ${escapeMrkdwn(NEWCOMER_ADVICE)}. They are never filed for deactivation.`),
    ],
  });
}
