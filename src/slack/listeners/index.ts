import type { App } from "@slack/bolt";
import { ACTIONS, SLASH_COMMAND } from "../ids.js";
import type { SlackServices } from "../services.js";
import { auditPageAction } from "./actions/auditPage.js";
import { moreLinesAction, showChainAction, showReportsAction } from "./actions/lookups.js";
import { gongCommand } from "./commands/gong.js";
import { appHomeOpened } from "./events/appHomeOpened.js";

/** Every listener, by id. `ids.ts` lists the same ids for the manifest check. */
export function registerListeners(app: App, services: SlackServices): void {
  app.command(SLASH_COMMAND, gongCommand(services));
  app.action(ACTIONS.showChain, showChainAction(services));
  app.action(ACTIONS.showReports, showReportsAction(services));
  app.action(ACTIONS.moreLines, moreLinesAction(services));
  app.action(ACTIONS.auditPage, auditPageAction(services));
  app.event("app_home_opened", appHomeOpened(services));
}
