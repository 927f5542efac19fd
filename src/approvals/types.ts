import * as z from "zod";
import type { ActivityService } from "../audit/activity.js";
import type { ExemptionsService } from "../audit/exemptions.service.js";
import type { ActivityRule } from "../audit/state.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import type { DirectoryLookup } from "../directory/lookup.service.js";
import type { GongClient } from "../gong/client.js";
import type { GongScimClient } from "../gong/scim.js";
import type { JobDefinition } from "../jobs/index.js";
import type { Logger } from "../log.js";
import type { ApprovalsRepo, RequestRow, SubjectRow } from "../store/approvals.repo.js";
import type { AuditsRepo } from "../store/audits.repo.js";
import type { DirectoryRepo } from "../store/directory.repo.js";
import type { JobsRepo } from "../store/jobs.repo.js";
import type { SyncRunsRepo } from "../store/syncRuns.repo.js";
import type { WorkflowStepsRepo } from "../store/workflowSteps.repo.js";
import type { Deprovisioner } from "./deprovision.js";

/**
 * The approval settings (README, Settings); `verifyMinutes` defaults to 90, `keepCooldownDays` to 90,
 * `notifySubject` to false and `subjectNoticeDays` to 3 where they are not given. The operator is the
 * CLI's (it builds its Actor from it).
 */
export type ApprovalsSettings = Omit<
  Config["approvals"],
  "verifyMinutes" | "keepCooldownDays" | "operator" | "notifySubject" | "subjectNoticeDays"
> & {
  verifyMinutes?: number;
  keepCooldownDays?: number;
  notifySubject?: boolean;
  subjectNoticeDays?: number;
};

/** Who acts: a Slack user (with their admin standing) or the terminal's operator. */
export interface Actor {
  slackUserId: string | null;
  /** The terminal's operator (GONGOPS_OPERATOR, or user@host); null or absent in Slack. */
  operator?: string | null;
  /** In words, for the trail: "<@U123>" or "jane@laptop (terminal)" (`terminalLabel`). */
  label: string;
  isAdmin: boolean;
}

/** The CLI's actor: the operator at this terminal, named in the trail of everything they do. */
export function terminalActor(operator: string): Actor {
  return { slackUserId: null, operator, label: terminalLabel(operator), isAdmin: true };
}

/**
 * The terminal's operator as every message names them: "jane@laptop (terminal)", the person first and
 * where they acted from after (never "cli (jane@laptop) asks to deactivate…").
 */
export function terminalLabel(operator: string): string {
  return `${operator} (terminal)`;
}

/** How labels were stored before: "cli (jane@laptop)", "cli (jobs retry)". */
const OLD_TERMINAL_LABEL = /\bcli \(([^()]+)\)/g;

/**
 * Who acted, in words, as the views give it to every face: a label stored the old way ("cli (x)") reads
 * the way one is written now ("x (terminal)"); anything else is unchanged.
 */
export function actorWords(text: string): string;
export function actorWords(text: string | null): string | null;
export function actorWords(text: string | null): string | null {
  return text === null ? null : text.replace(OLD_TERMINAL_LABEL, (_, who: string) => terminalLabel(who));
}

export type ApprovalEvent =
  | { kind: "filed"; requestId: number }
  | { kind: "changed"; requestId: number; subjectIds: number[]; summary: string }
  | { kind: "remind"; requestId: number; subjectIds: number[] }
  | { kind: "escalated"; requestId: number; subjectIds: number[] }
  | { kind: "task"; requestId: number; subjectIds: number[] };

/** An ApprovalEvent as a job payload (validated at enqueue and at claim). */
export const approvalEventSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("filed"), requestId: z.number().int() }),
  z.object({
    kind: z.literal("changed"),
    requestId: z.number().int(),
    subjectIds: z.array(z.number().int()),
    summary: z.string(),
  }),
  z.object({
    kind: z.enum(["remind", "escalated", "task"]),
    requestId: z.number().int(),
    subjectIds: z.array(z.number().int()),
  }),
]);

/** How a face hears about requests (posts, updates, reminders, tasks). Called from jobs: may retry. */
export interface ApprovalsNotifier {
  notify(event: ApprovalEvent): Promise<void>;
}

export interface ApprovalsDeps {
  repo: ApprovalsRepo;
  jobs: JobsRepo;
  directory: DirectoryRepo;
  lookup: DirectoryLookup;
  exemptions: ExemptionsService;
  audits: AuditsRepo;
  gong: GongClient | null;
  scim: GongScimClient | null;
  /** The way out for okta/entra (scim and manual are built from `scim` when absent). */
  deprovisioner?: Deprovisioner | null;
  settings: ApprovalsSettings;
  /** Directory changes (a reactivation since the audit) and sync times (a snapshot after the change). */
  syncRuns: SyncRunsRepo;
  /** Workflow Builder steps that file requests (steps.ts). */
  steps: WorkflowStepsRepo;
  /** The company's time zone for the activity statistics, when a request has no audit that knew it. */
  activity?: ActivityService | null;
  /** What counts as activity for a request filed without an audit (GONGOPS_AUDIT_ACTIVITY). */
  activityRule?: ActivityRule;
  /** A direct filing's own check of each person looks back this many days (GONGOPS_AUDIT_DAYS). */
  lookbackDays?: number;
  log?: Logger;
  /** Why a Gong user has left the company (leavers/, "has left: …"), or null: a leaver never decides. */
  hasLeft?: (gongId: string) => string | null;
  /** The one clock (src/clock.ts). */
  clock: Clock;
}

export interface DecisionOutcome {
  subjectId: number;
  name: string;
  outcome: "approved" | "kept" | "refused" | "already";
  message: string;
}

export interface RequestView {
  request: RequestRow;
  subjects: SubjectRow[];
  dryRun: boolean;
}

export const DAY_MS = 24 * 3600_000;

/** What the face does for steps (slack/workflowStep.ts): Slack's side of it, with the app's bot token. */
export interface StepFace {
  /** A Slack user's email, or null (no such user, or no email to find them in Gong by). */
  emailOf(userId: string): Promise<string | null>;
  /** functions.completeSuccess; "already": Slack had the step completed (a retry after a crash). */
  complete(executionId: string, outputs: StepOutputs): Promise<"completed" | "already">;
  /** functions.completeError, with a plain message for whoever runs the workflow. */
  fail(executionId: string, message: string): Promise<"completed" | "already">;
}

/** The step's outputs (manifest.yml's output_parameters). */
export type StepOutputs = Record<string, string | boolean>;

/** The Workflow Builder step's job kinds (steps.ts). */
export interface StepJobs {
  file: JobDefinition;
  complete: JobDefinition;
}
