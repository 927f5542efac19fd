import type { App } from "@slack/bolt";
import { ACTIONS, SLASH_COMMAND, VIEWS } from "../ids.js";
import type { SlackServices } from "../services.js";
import { approvalAction, keepModalSubmit } from "./actions/approvals.js";
import { auditPageAction } from "./actions/auditPage.js";
import { moreLinesAction, showChainAction, showReportsAction } from "./actions/lookups.js";
import { requestFromAuditAction, requestModalSubmit } from "./actions/requestFromAudit.js";
import { gongCommand } from "./commands/gong.js";
import { appHomeOpened } from "./events/appHomeOpened.js";

/** Every listener, by id. `ids.ts` lists the same ids for the manifest check. */
const KNOWN_ACTIONS = new Set<string>(Object.values(ACTIONS));

export function registerListeners(app: App, services: SlackServices): void {
  // A click on a button from an older gongops (or another app's block) has no listener; Bolt would let
  // Slack wait 3 s for an ack and then show the user an error. Ack at once and log it.
  app.use(async (args) => {
    const body = args.body as { type?: string; actions?: { action_id?: string }[] };
    const ids = body.type === "block_actions" ? (body.actions ?? []).map((a) => a.action_id ?? "") : [];
    if (ids.length > 0 && ids.every((id) => !KNOWN_ACTIONS.has(id))) {
      await (args as unknown as { ack: () => Promise<void> }).ack();
      services.log.warn("acked a click on an unknown action", { actions: ids });
      return;
    }
    await args.next();
  });
  app.command(SLASH_COMMAND, gongCommand(services));
  app.action(ACTIONS.showChain, showChainAction(services));
  app.action(ACTIONS.showReports, showReportsAction(services));
  app.action(ACTIONS.moreLines, moreLinesAction(services));
  app.action(ACTIONS.auditPage, auditPageAction(services));
  for (const id of [ACTIONS.approve, ACTIONS.keep, ACTIONS.approveAll, ACTIONS.reactivate])
    app.action(id, approvalAction(services));
  app.action(ACTIONS.requestFromAudit, requestFromAuditAction(services));
  app.view(VIEWS.requestDeactivation, requestModalSubmit(services));
  app.view(VIEWS.keepReason, keepModalSubmit(services));
  app.event("app_home_opened", appHomeOpened(services));
}
