import type { App, BlockAction } from "@slack/bolt";
import { ACTIONS, SLASH_COMMAND, VIEWS } from "../ids.js";
import { ackAction, ackCommand, explainErrors, requireAccess, subcommandOf } from "../middleware.js";
import type { SlackServices } from "../services.js";
import { STEP_CALLBACK_ID, workflowStepListener } from "../workflowStep.js";
import { approvalAction, keepModalSubmit } from "./actions/approvals.js";
import { auditPageAction } from "./actions/auditPage.js";
import { overrideModalSubmit, reactivateModalSubmit } from "./actions/decisionModals.js";
import { holderAction, holderKeepSubmit } from "./actions/holder.js";
import { requestLeaverAction } from "./actions/leavers.js";
import { moreLinesAction, showChainAction, showReportsAction } from "./actions/lookups.js";
import { requestFromAuditAction, requestModalSubmit } from "./actions/requestFromAudit.js";
import { gongCommand } from "./commands/gong.js";
import { appHomeOpened } from "./events/appHomeOpened.js";
import { userChange } from "./events/userChange.js";

/** Every listener, by id, each behind the same middleware. `ids.ts` lists the ids for the manifest check. */
const KNOWN_ACTIONS = new Set<string>(Object.values(ACTIONS));

export function registerListeners(app: App, services: SlackServices): void {
  const acked = (listener: string) => (seconds: number) =>
    services.ctx.metrics.slackAck.observe({ listener }, seconds);
  // A click on a button from an older gongops (or another app's block) has no listener; Bolt would let
  // Slack wait 3 s for an ack and then show the user an error. Ack at once and log it.
  app.use(async (args) => {
    if ("action" in args && args.body.type === "block_actions") {
      const ids = args.body.actions.map((a) => a.action_id);
      if (ids.every((id) => !KNOWN_ACTIONS.has(id))) {
        await args.ack();
        services.log.warn("acked a click on an unknown action", { actions: ids });
        return;
      }
    }
    await args.next();
  });
  app.command(
    SLASH_COMMAND,
    explainErrors(services),
    ackCommand(acked("command")),
    requireAccess(services, subcommandOf),
    gongCommand(services),
  );
  const button = (
    id: string,
    what: Parameters<typeof requireAccess>[1],
    listener: ReturnType<typeof auditPageAction>,
  ) =>
    app.action<BlockAction>(
      id,
      explainErrors(services),
      ackAction(acked("button")),
      requireAccess(services, what),
      listener,
    );
  button(ACTIONS.showChain, "chain", showChainAction(services));
  button(ACTIONS.showReports, "reports", showReportsAction(services));
  button(ACTIONS.moreLines, "reports", moreLinesAction(services));
  button(ACTIONS.auditPage, "audit", auditPageAction(services));
  // Who may decide, undo or retry is the approvals service's rule (the assigned approver, an admin
  // overriding, admins), not a subcommand's: no requireAccess here.
  for (const id of [ACTIONS.approve, ACTIONS.keep, ACTIONS.approveAll, ACTIONS.reactivate, ACTIONS.retry])
    app.action<BlockAction>(
      id,
      explainErrors(services),
      ackAction(acked("button")),
      approvalAction(services),
    );
  // The seat holder answers for their own seat: the service checks it is them, not an access rule.
  for (const id of [ACTIONS.holderKeep, ACTIONS.holderRelease])
    app.action<BlockAction>(id, explainErrors(services), ackAction(acked("button")), holderAction(services));
  button(ACTIONS.requestFromAudit, "deactivate", requestFromAuditAction(services));
  button(ACTIONS.requestLeaver, "deactivate", requestLeaverAction(services));
  app.view(VIEWS.requestDeactivation, requestModalSubmit(services));
  app.view(VIEWS.keepReason, keepModalSubmit(services));
  app.view(VIEWS.overrideReason, overrideModalSubmit(services));
  app.view(VIEWS.reactivateReason, reactivateModalSubmit(services));
  app.view(VIEWS.holderKeep, holderKeepSubmit(services));
  // Workflow Builder's step (manifest.yml `functions`): acked once it is recorded, never before.
  app.function(STEP_CALLBACK_ID, { autoAcknowledge: false }, (args) =>
    workflowStepListener(services.ctx.approvals, services.log)(args as never),
  );
  app.event("app_home_opened", appHomeOpened(services));
  app.event("user_change", userChange(services));
}
