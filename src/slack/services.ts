import type { webApi } from "@slack/bolt";
import type { GongContext } from "../context.js";
import type { Logger } from "../log.js";
import type { ScheduleRunner } from "../schedules/runner.js";
import type { SlackAccess } from "./access.js";
import type { SlackApprovalsNotifier } from "./approvalsNotifier.js";
import type { SlackAuditRunner } from "./auditRunner.js";
import type { Block } from "./blocks/common.js";
import type { HomePublisher } from "./home.js";
import type { LiveLookupBudget } from "./liveBudget.js";

/** What listeners work with: the app context and the Slack-side helpers. */
export interface SlackServices {
  /** `gongops start` requires the Gong credentials, so the Slack face always has them. */
  ctx: GongContext;
  access: SlackAccess;
  audits: SlackAuditRunner;
  home: HomePublisher;
  /** Live Gong lookups left per member (admins are not counted). */
  liveLookups: LiveLookupBudget;
  /** Posts and updates deactivation request messages. */
  approvals?: SlackApprovalsNotifier;
  log: Logger;
  /** Runs schedules on the job queue (`/gong schedule run`). */
  schedules?: ScheduleRunner;
}

/** An ephemeral reply (through the response_url of the command or action). */
export interface Reply {
  text: string;
  blocks?: Block[];
}

export type Respond = (reply: Reply) => Promise<unknown>;

/** One /gong subcommand invocation, after the ack and the access check. */
export interface SubcommandRequest {
  services: SlackServices;
  client: webApi.WebClient;
  userId: string;
  channelId: string;
  /** Everything after the subcommand word. */
  args: string;
  respond: Respond;
}
