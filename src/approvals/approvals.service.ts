import type { InactiveUser } from "../audit/report.js";
import type { JobDefinition } from "../jobs/index.js";
import type { RequestRow, SubjectRow, TrailRow } from "../store/approvals.repo.js";
import type { SlackPeople } from "./approver.js";
import { ApprovalsCore } from "./core.js";
import { type DecideInput, decide, refusal, releaseFromCap } from "./decide.js";
import type { Deprovisioner } from "./deprovision.js";
import { auditInactive, type Refusal } from "./eligibility.js";
import { execute } from "./execute.js";
import { type FileInput, fileRequest } from "./file.js";
import { type HolderAnswer, holderKeeps, holderRefusal, holderReleases } from "./holder.js";
import { defineApprovalJobs } from "./jobs.js";
import { keptNow } from "./kept.js";
import { findSubject, refMaker } from "./refs.js";
import { retryFailed } from "./retry.js";
import { defineStepJobs, receiveStep, type StepFace } from "./steps.js";
import type {
  Actor,
  ApprovalsDeps,
  ApprovalsNotifier,
  ApprovalsSettings,
  DecisionOutcome,
  RequestView,
} from "./types.js";
import { reactivate, reactivateRefusal, reactivateSubject } from "./undo.js";
import { closeVerified } from "./verify.js";
import * as views from "./views.js";

export { filingNotes, type Refusal } from "./eligibility.js";
export type { HolderAnswer } from "./holder.js";
export type { StepFace, StepOutputs } from "./steps.js";
export type {
  Actor,
  ApprovalEvent,
  ApprovalsDeps,
  ApprovalsNotifier,
  ApprovalsSettings,
  DecisionOutcome,
  RequestView,
} from "./types.js";

/**
 * Deactivation with approval, for both faces: the verbs they call, each carried out in its own room.
 * A request names users and a reason (file.ts); each user (a subject) gets an approver (approver.ts);
 * a decision is one conditional update (decide.ts); an approval and the job that executes it commit
 * together, and the job looks again at Gong, respects the daily cap and dry run, then deactivates
 * through the Deprovisioner port (execute.ts; deprovision.ts: SCIM, Okta, Entra ID, or a task for the
 * IdP admins); an IdP unassignment waits for a directory sync (verify.ts); reminders, escalation and
 * expiry run as timers (timers.ts); undo (undo.ts); what the faces show (views.ts). The seat holder is
 * asked first with GONGOPS_NOTIFY_SUBJECT (holder.ts); a kept person is left alone for the cool-down
 * (kept.ts); a Workflow Builder step files like any face and hears the outcome once (steps.ts). The
 * faces hear about changes through ApprovalsNotifier, called from durable jobs (jobs.ts).
 */
export class ApprovalsService {
  private readonly core: ApprovalsCore;
  /** The job kinds a worker must run for requests to move (the composition root registers them). */
  readonly jobs: JobDefinition[];

  constructor(deps: ApprovalsDeps) {
    this.core = new ApprovalsCore(deps);
    const kinds = defineApprovalJobs(this.core);
    const steps = defineStepJobs(this.core);
    this.jobs = [kinds.notify, kinds.execute, kinds.timer, kinds.verify, steps.file, steps.complete];
  }

  get settings(): ApprovalsSettings {
    return this.core.settings;
  }

  get deprovisioner(): Deprovisioner {
    return this.core.deprovisioner;
  }

  /**
   * A face plugs in: how to find people in Slack, how to tell them, how to wake its job worker, and
   * Slack's side of Workflow Builder steps.
   */
  connect(face: {
    slack?: SlackPeople | null;
    notifier?: ApprovalsNotifier | null;
    wake?: () => void;
    steps?: StepFace | null;
  }): void {
    if (face.slack !== undefined) this.core.slack = face.slack;
    if (face.notifier !== undefined) this.core.notifier = face.notifier;
    if (face.wake) this.core.wake = face.wake;
    if (face.steps !== undefined) this.core.stepFace = face.steps;
  }

  isDryRun(request: RequestRow): boolean {
    return this.core.isDryRun(request);
  }

  async request(input: FileInput): Promise<{ view: RequestView; refused: Refusal[]; warnings: Refusal[] }> {
    const filed = await fileRequest(this.core, input);
    return { view: this.view(filed.request.id)!, refused: filed.refused, warnings: filed.warnings };
  }

  /** The users an audit found inactive under its own rule: what "Request deactivation…" files. */
  auditInactive(runId: number): InactiveUser[] {
    return auditInactive(this.core, runId);
  }

  /** Why `actor` may not decide on subject `id` now; `asOverride`: in the approver's place (admins). */
  refusal(id: number, actor: Actor, options: { asOverride?: boolean } = {}): Promise<string | null> {
    return refusal(this.core, id, actor, options);
  }

  decide(input: DecideInput): Promise<DecisionOutcome[]> {
    return decide(this.core, input);
  }

  /**
   * Takes a pending subject out of its request (cancelled, with the reason in the trail and the
   * approver's message updated): a leaver whose account came back. Null when it was not pending.
   */
  withdraw(subjectId: number, why: string): SubjectRow | null {
    const s = this.core.repo.subject(subjectId);
    if (s?.state !== "pending") return null;
    return this.core.move(s, ["pending"], "cancelled", why);
  }

  /** The seat holder answers (holder.ts): "I still need it", with their reason. */
  holderKeeps(input: { subjectId: number; slackUserId: string; reason: string }): HolderAnswer {
    return holderKeeps(this.core, input);
  }

  /** The seat holder answers: "Release it", their consent. */
  holderReleases(input: { subjectId: number; slackUserId: string }): HolderAnswer {
    return holderReleases(this.core, input);
  }

  /** Why a Slack user may not answer for a subject's seat now (null: they may). */
  holderRefusal(subjectId: number, slackUserId: string): string | null {
    return holderRefusal(this.core, subjectId, slackUserId);
  }

  /** Everyone in the keep cool-down at `now`, by Gong id: "kept until <date>, by <who>: <reason>". */
  kept(now: Date): ReadonlyMap<string, string> {
    return keptNow(this.core, now);
  }

  /** A Workflow Builder step Slack started (steps.ts); false when it had been received before. */
  receiveStep(step: Parameters<typeof receiveStep>[1]): boolean {
    return receiveStep(this.core, step);
  }

  releaseFromCap(subjectId: number, actor: Actor, reason: string): boolean {
    return releaseFromCap(this.core, subjectId, actor, reason);
  }

  /** The approval-execute job's work, for tests that drive it by hand. */
  execute(subjectId: number, signal?: AbortSignal): Promise<void> {
    return execute(this.core, subjectId, signal);
  }

  closeVerified(): number {
    return closeVerified(this.core);
  }

  reactivate(input: { who: string; reason: string; actor: Actor }): Promise<SubjectRow> {
    return reactivate(this.core, input);
  }

  reactivateSubject(input: { subjectId: number; reason: string; actor: Actor }): Promise<SubjectRow> {
    return reactivateSubject(this.core, input);
  }

  /** Why `actor` may not undo subject `id` (null: they may): asked before the reason is. */
  reactivateRefusal(subjectId: number, actor: Actor): string | null {
    return reactivateRefusal(this.core, subjectId, actor);
  }

  /** A failed deactivation run again by an admin (retry.ts): back to approved, every check again. */
  retry(input: { subjectId: number; actor: Actor; reason?: string | null }): SubjectRow {
    return retryFailed(this.core, input);
  }

  /** The subject a person typed: "10.3" (request #10's third), or an email, a name or a Gong id (refs.ts). */
  findSubject(text: string): Promise<SubjectRow> {
    return findSubject(this.core, text);
  }

  /** Names subjects as "10.3" (request #10's third), reading each request once. */
  subjectRefs(): (subjectId: number) => string {
    return refMaker(this.core);
  }

  view(requestId: number): RequestView | null {
    return views.view(this.core, requestId);
  }

  list(options: { open?: boolean; limit?: number } = {}): RequestView[] {
    return views.list(this.core, options);
  }

  /** Oldest first; `userId`: only the rows about that Gong user. */
  trail(options: { since?: Date; userId?: string; requestId?: number } = {}): TrailRow[] {
    return views.trail(this.core, options);
  }

  capToday(): { day: string; used: number; cap: number } {
    return views.capToday(this.core);
  }

  failedRecently(days = 7): SubjectRow[] {
    return views.failedRecently(this.core, days);
  }

  pendingFor(slackUserId: string): SubjectRow[] {
    return views.pendingFor(this.core, slackUserId);
  }
}
