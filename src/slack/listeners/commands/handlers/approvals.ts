import { filingNotes } from "../../../../approvals/approvals.service.js";
import { UsageError } from "../../../../errors.js";
import { splitArgs } from "../../../input.js";
import { escapeMrkdwn } from "../../../mrkdwn.js";
import type { SubcommandRequest } from "../../../services.js";

/**
 * `/gong deactivate <who>… --reason "…" [--dry-run] [--force]` (admins; the access check ran before).
 * Someone active in the look-back is not filed without --force; the reply says what the activity was.
 */
export async function deactivateSubcommand(req: SubcommandRequest): Promise<void> {
  const words = splitArgs(req.args);
  const who: string[] = [];
  let reason = "";
  let dryRun = false;
  let force = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === "--reason") reason = words[++i] ?? "";
    else if (w.startsWith("--reason=")) reason = w.slice("--reason=".length);
    else if (w === "--dry-run") dryRun = true;
    else if (w === "--force") force = true;
    else if (w.startsWith("--")) throw new UsageError(`unknown option ${w}`);
    else who.push(w);
  }
  if (!reason.trim()) throw new UsageError('say why: /gong deactivate <who>… --reason "…"');
  const filed = await req.services.ctx.approvals.request({
    who,
    reason,
    dryRun,
    force,
    actor: { slackUserId: req.userId, label: `<@${req.userId}>`, isAdmin: true },
    source: "slack",
  });
  const { view } = filed;
  const names = view.subjects.map((s) => escapeMrkdwn(s.name)).join(", ");
  const notes = filingNotes(filed).map((line) => `\n• ${escapeMrkdwn(line)}`);
  await req.respond({
    text: `Request #${view.request.id}${view.dryRun ? " (dry run: nobody will be deactivated)" : ""} filed for ${names}. Each approver gets a message now.${notes.join("")}`,
  });
}
