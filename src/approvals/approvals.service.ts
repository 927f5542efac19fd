import * as z from "zod";
import { exemptionMatcher } from "../audit/exemptions.js";
import type { ExemptionsService } from "../audit/exemptions.service.js";
import { type Clock, nextUtcMidnight, nowDate, utcDay } from "../clock.js";
import type { Config } from "../config.js";
import type { DirectoryLookup, UserCard } from "../directory/lookup.service.js";
import { NotFoundError, UsageError } from "../errors.js";
import type { GongClient } from "../gong/client.js";
import type { GongScimClient } from "../gong/scim.js";
import { defineJob, enqueueJob, type JobDefinition, RetryAfterError } from "../jobs/index.js";
import { type Logger, silentLogger } from "../log.js";
import type { ApprovalsRepo, NewSubject, RequestRow, SubjectRow, TrailRow } from "../store/approvals.repo.js";
import type { AuditsRepo } from "../store/audits.repo.js";
import type { DirectoryRepo } from "../store/directory.repo.js";
import type { DbOrTx, JobsRepo } from "../store/jobs.repo.js";
import type { SubjectState } from "../store/schema.js";
import { type Assignment, chooseApprover, type OrgPerson, type SlackPeople } from "./approver.js";
import {
  type ApiDeprovisioner,
  type Deprovisioner,
  manualDeprovisioner,
  scimDeprovisioner,
} from "./deprovision.js";
import { isOpen } from "./states.js";

/**
 * Deactivation with approval, for both faces. A request names users and a reason; each user (a subject)
 * gets an approver (approver.ts); a decision is one conditional update; an approval and the job that
 * executes it commit together (the outbox), and the job looks again at Gong, respects the daily cap and
 * dry run, then deactivates through the Deprovisioner port (deprovision.ts: SCIM, Okta, Entra ID, or a
 * task for the IdP admins); an IdP unassignment waits for a directory sync that shows the user inactive.
 * The faces hear about changes through ApprovalsNotifier, called from durable jobs.
 */

/** The approval settings (README, Settings); `verifyMinutes` defaults to 90 where it is not given. */
export type ApprovalsSettings = Omit<Config["approvals"], "verifyMinutes"> & { verifyMinutes?: number };

/** Who acts: a Slack user (with their admin standing) or the CLI. */
export interface Actor {
  slackUserId: string | null;
  /** In words, for the trail: "<@U123>" or "cli". */
  label: string;
  isAdmin: boolean;
}

export type ApprovalEvent =
  | { kind: "filed"; requestId: number }
  | { kind: "changed"; requestId: number; subjectIds: number[]; summary: string }
  | { kind: "remind"; requestId: number; subjectIds: number[] }
  | { kind: "escalated"; requestId: number; subjectIds: number[] }
  | { kind: "task"; requestId: number; subjectIds: number[] };

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
  log?: Logger;
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

const DAY_MS = 24 * 3600_000;
const eventSchema = z.discriminatedUnion("kind", [
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

/**
 * What undo applies to: a deactivated subject, or one that failed after an IdP change may have landed
 * (its undo snapshot was stored before the change).
 */
function undoable(s: SubjectRow): boolean {
  return s.state === "done" || (s.state === "failed" && s.idpSnapshot != null);
}

function personOf(card: Pick<UserCard, "id" | "email" | "name" | "active" | "managerId">): OrgPerson {
  return { id: card.id, email: card.email, name: card.name, active: card.active, managerId: card.managerId };
}

export class ApprovalsService {
  readonly settings: ApprovalsSettings;
  private readonly log: Logger;
  private readonly now: () => Date;
  private slack: SlackPeople | null = null;
  private notifier: ApprovalsNotifier | null = null;
  private wake: () => void = () => {};

  readonly notifyJob: JobDefinition;
  readonly executeJob: JobDefinition;
  readonly timerJob: JobDefinition;
  readonly verifyJob: JobDefinition;
  readonly deprovisioner: Deprovisioner;

  constructor(private readonly deps: ApprovalsDeps) {
    this.settings = deps.settings;
    this.log = deps.log ?? silentLogger;
    this.now = () => nowDate(deps.clock);
    this.deprovisioner =
      deps.deprovisioner ??
      (deps.settings.deactivateVia === "manual" ? manualDeprovisioner() : scimDeprovisioner(deps.scim));
    this.notifyJob = defineJob({
      kind: "approval-notify",
      payload: eventSchema,
      maxAttempts: 8,
      run: async (event) => {
        if (event.kind === "filed") await this.assignUnassigned(event.requestId);
        await this.notifier?.notify(event as ApprovalEvent);
      },
    });
    this.executeJob = defineJob({
      kind: "approval-execute",
      payload: z.object({ subjectId: z.number().int() }),
      maxAttempts: 10,
      run: async ({ subjectId }, { signal }) => this.execute(subjectId, signal),
    });
    this.timerJob = defineJob({
      kind: "approval-timer",
      payload: z.object({ requestId: z.number().int(), step: z.enum(["remind", "escalate", "expire"]) }),
      run: async ({ requestId, step }) => this.timer(requestId, step),
    });
    this.verifyJob = defineJob({
      kind: "approval-verify-deadline",
      payload: z.object({ subjectId: z.number().int() }),
      run: async ({ subjectId }) => this.verifyDeadline(subjectId),
    });
  }

  /** The job kinds a worker must run for requests to move. */
  get jobs(): JobDefinition[] {
    return [this.notifyJob, this.executeJob, this.timerJob, this.verifyJob];
  }

  /** A face plugs in: how to find people in Slack, how to tell them, how to wake its job worker. */
  connect(face: {
    slack?: SlackPeople | null;
    notifier?: ApprovalsNotifier | null;
    wake?: () => void;
  }): void {
    if (face.slack !== undefined) this.slack = face.slack;
    if (face.notifier !== undefined) this.notifier = face.notifier;
    if (face.wake) this.wake = face.wake;
  }

  isDryRun(request: RequestRow): boolean {
    return request.dryRun || this.settings.dryRun;
  }

  // ---- filing ------------------------------------------------------------------------------------

  /**
   * Files a request. Each `who` is an email, a Gong id or a name (as in lookups). Users who cannot be
   * in it are listed in `refused` with the reason; when none can, nothing is filed (a UsageError).
   */
  async request(input: {
    who: readonly string[];
    reason: string;
    dryRun?: boolean;
    actor: Actor;
    source: "slack" | "cli";
    auditRunId?: number | null;
  }): Promise<{ view: RequestView; refused: { who: string; why: string }[] }> {
    const reason = input.reason.trim();
    if (!reason) throw new UsageError('a deactivation request needs a reason: --reason "…"');
    if (input.who.length === 0) throw new UsageError("say who to deactivate: emails, Gong ids or names");
    const now = this.now();
    const audit = input.auditRunId
      ? this.deps.audits.get(input.auditRunId)
      : this.deps.audits.latest("succeeded");
    if (input.auditRunId && !audit) throw new NotFoundError(`there is no audit #${input.auditRunId}`);
    const auditSubjects = new Map(
      (audit ? this.deps.audits.subjects(audit.id) : []).map((s) => [s.userId, s]),
    );
    const rules = this.deps.exemptions.list().map((r) => ({
      kind: r.kind,
      value: r.value,
      reason: r.reason,
      source: r.source === "list" ? ("list" as const) : ("setting" as const),
    }));
    const exempt = exemptionMatcher(rules);
    const refused: { who: string; why: string }[] = [];
    const cards: UserCard[] = [];
    for (const who of input.who) {
      let card: UserCard;
      try {
        const found = await this.deps.lookup.find(who);
        if (found.match === "none") {
          refused.push({ who, why: "no Gong user matches" });
          continue;
        }
        if (found.match === "many") {
          refused.push({ who, why: `matches ${found.total} users: use an email or an id` });
          continue;
        }
        card = found.user;
      } catch (error) {
        refused.push({ who, why: (error as Error).message });
        continue;
      }
      if (card.active !== true) refused.push({ who, why: `${card.name} is not active in Gong` });
      else if (!card.email)
        refused.push({ who, why: `${card.name} has no email in Gong (SCIM finds users by it)` });
      else if (cards.some((c) => c.id === card.id)) continue;
      else {
        const rule = exempt({
          id: card.id,
          email: card.email,
          aliases: card.emailAliases,
          title: card.title,
        });
        const open = this.deps.repo.openFor(card.id);
        if (rule) refused.push({ who, why: `${card.name} is exempt (${rule.kind} ${rule.value})` });
        else if (open)
          refused.push({ who, why: `${card.name} is already in open request #${open.requestId}` });
        else cards.push(card);
      }
    }
    if (cards.length === 0) {
      throw new UsageError(
        `nothing was filed: ${refused.map((r) => `${r.who}: ${r.why}`).join("; ") || "nobody to deactivate"}`,
      );
    }
    // Approvers are found before the transaction (Slack lookups are slow); without Slack here (the CLI),
    // the app assigns them when it posts the request.
    const assignments = new Map<string, Assignment | null>();
    for (const card of cards)
      assignments.set(
        card.id,
        this.slack ? await this.assign(personOf(card), input.actor.slackUserId) : null,
      );
    const subjects: NewSubject[] = cards.map((card) => {
      const a = assignments.get(card.id) ?? null;
      const seen = auditSubjects.get(card.id);
      return {
        userId: card.id,
        email: card.email,
        name: card.name,
        title: card.title,
        managerId: card.managerId,
        lastCallAt: seen?.lastCallAt ?? null,
        created: card.created,
        approverKind: a?.kind ?? "unassigned",
        approverSlackId: a?.slackUserId ?? null,
        approverGongId: a?.gongId ?? null,
        approverName: a?.name ?? null,
        approverReason: a?.reason ?? "not assigned yet: the Slack app assigns it when it posts the request",
      };
    });
    let created: { request: RequestRow; subjects: SubjectRow[] };
    try {
      created = this.deps.repo.tx((tx) => {
        const r = this.deps.repo.createRequest(
          tx,
          {
            source: input.source,
            requestedBySlack: input.actor.slackUserId,
            requestedBy: input.actor.label,
            reason,
            dryRun: input.dryRun ?? false,
            auditRunId: audit?.id ?? null,
            activitySince: audit?.toAt ?? now.toISOString(),
            lookbackDays: audit?.lookbackDays ?? null,
            createdAt: now.toISOString(),
          },
          subjects,
          input.actor.label,
        );
        this.enqueueNotify(tx, { kind: "filed", requestId: r.request.id });
        const hours = this.settings.remindHours * 3600_000;
        const steps = [
          ["remind", hours],
          ["escalate", 2 * hours],
          ["expire", this.settings.expireDays * DAY_MS],
        ] as const;
        for (const [step, after] of steps) {
          enqueueJob(
            this.deps.jobs,
            this.timerJob,
            { requestId: r.request.id, step },
            {
              tx,
              now,
              runAt: new Date(now.getTime() + after),
              idempotencyKey: `approval-timer:${r.request.id}:${step}`,
            },
          );
        }
        return r;
      });
    } catch (error) {
      if (/UNIQUE constraint failed: approval_subjects/.test((error as Error).message))
        throw new UsageError("one of these users was just put in another open request; nothing was filed");
      throw error;
    }
    this.log.info("deactivation request filed", {
      request: created.request.id,
      subjects: created.subjects.length,
      by: input.actor.label,
      dryRun: this.isDryRun(created.request),
    });
    this.wake();
    return { view: this.view(created.request.id)!, refused };
  }

  private person(id: string): OrgPerson | undefined {
    const state = this.deps.directory.state();
    const row = state ? this.deps.directory.byId(state.gen, id) : null;
    if (!row) return undefined;
    const name = [row.firstName, row.lastName].filter(Boolean).join(" ") || row.email || row.id;
    return { id: row.id, email: row.email, name, active: row.active, managerId: row.managerId };
  }

  private async assign(
    subject: OrgPerson,
    requesterSlackId: string | null,
    from?: { startFrom: string | null; exclude: string[] },
  ): Promise<Assignment> {
    const slack = this.slack ?? { byEmail: async () => null };
    return chooseApprover({
      subject,
      person: (id) => this.person(id),
      slack,
      requesterSlackId,
      allowSelfApproval: this.settings.allowSelfApproval,
      ...(from ?? {}),
    });
  }

  /** Subjects filed without Slack (from the CLI) get their approver when the app posts them. */
  private async assignUnassigned(requestId: number): Promise<void> {
    if (!this.slack) return;
    const request = this.deps.repo.request(requestId);
    if (!request) return;
    for (const s of this.deps.repo.subjects(requestId)) {
      if (s.approverKind !== "unassigned" || s.state !== "pending") continue;
      const a = await this.assign(this.personOf(s), request.requestedBySlack);
      this.deps.repo.annotate(s.id, "pending", {
        approverKind: a.kind,
        approverSlackId: a.slackUserId,
        approverGongId: a.gongId,
        approverName: a.name,
        approverReason: a.reason,
      });
    }
  }

  private enqueueNotify(tx: DbOrTx, event: ApprovalEvent): void {
    enqueueJob(this.deps.jobs, this.notifyJob, event, { tx, now: this.now() });
  }

  // ---- deciding ----------------------------------------------------------------------------------

  /** Why `actor` may not decide on `s` (null when they may), and whether it is an override. */
  private async authority(
    s: SubjectRow,
    request: RequestRow,
    actor: Actor,
    override: { reason: string | null } | null,
  ): Promise<{ refused: string } | { override: boolean }> {
    if (actor.slackUserId && s.email && this.slack) {
      const subjectSlack = await this.slack.byEmail(s.email);
      if (subjectSlack?.userId === actor.slackUserId) return { refused: "you cannot decide on yourself" };
    }
    if (
      actor.slackUserId &&
      actor.slackUserId === request.requestedBySlack &&
      !this.settings.allowSelfApproval
    )
      return {
        refused: "you asked for this deactivation; someone else decides (GONGOPS_ALLOW_SELF_APPROVAL)",
      };
    if (s.approverKind === "user" && s.approverSlackId === actor.slackUserId && actor.slackUserId)
      return { override: false };
    if (s.approverKind === "channel" && actor.isAdmin) return { override: false };
    if (override && actor.isAdmin) {
      if (!override.reason?.trim()) return { refused: "an admin override needs a reason" };
      return { override: true };
    }
    return { refused: "not yours to decide" };
  }

  /** Why `actor` may not decide on subject `id` now (null when they may), e.g. before asking for a reason. */
  async refusal(id: number, actor: Actor): Promise<string | null> {
    const s = this.deps.repo.subject(id);
    if (!s) return "no such subject";
    if (s.state !== "pending") return `already decided: ${s.state}`;
    const auth = await this.authority(s, this.deps.repo.request(s.requestId)!, actor, null);
    return "refused" in auth ? auth.refused : null;
  }

  /**
   * Approves or keeps subjects. Each decision is one conditional update from pending: of two clicks (or
   * two processes) exactly one wins, the other hears "already decided". An approval enqueues its
   * execution in the same transaction.
   */
  async decide(input: {
    subjectIds: readonly number[];
    decision: "approve" | "keep";
    actor: Actor;
    reason?: string | null;
    /** An admin deciding in place of the assigned approver (reason required). */
    override?: boolean;
  }): Promise<DecisionOutcome[]> {
    const out: DecisionOutcome[] = [];
    const touched = new Map<number, number[]>();
    for (const id of input.subjectIds) {
      const s = this.deps.repo.subject(id);
      if (!s) {
        out.push({ subjectId: id, name: `#${id}`, outcome: "refused", message: "no such subject" });
        continue;
      }
      const request = this.deps.repo.request(s.requestId)!;
      const auth = await this.authority(
        s,
        request,
        input.actor,
        input.override ? { reason: input.reason ?? null } : null,
      );
      if ("refused" in auth) {
        this.log.warn("refused a decision", {
          subject: s.id,
          request: s.requestId,
          actor: input.actor.label,
          why: auth.refused,
        });
        out.push({ subjectId: id, name: s.name, outcome: "refused", message: auth.refused });
        continue;
      }
      const now = this.now();
      const to: SubjectState = input.decision === "approve" ? "approved" : "kept";
      const decidedBy = input.actor.slackUserId ?? input.actor.label;
      const moved = this.deps.repo.tx((tx) => {
        const row = this.deps.repo.transition(tx, {
          subjectId: id,
          from: ["pending"],
          to,
          actor: input.actor.label,
          why: input.reason?.trim() || (auth.override ? "admin override" : null),
          override: auth.override,
          set: { decidedBy, decidedAt: now.toISOString(), stateReason: input.reason?.trim() || null },
          now,
        });
        if (!row) return null;
        if (to === "approved")
          enqueueJob(
            this.deps.jobs,
            this.executeJob,
            { subjectId: id },
            {
              tx,
              now,
              idempotencyKey: `approval-execute:${id}`,
            },
          );
        return row;
      });
      if (!moved) {
        const current = this.deps.repo.subject(id)!;
        out.push({
          subjectId: id,
          name: s.name,
          outcome: "already",
          message: `already decided: ${current.state}${current.decidedBy ? ` by ${current.decidedBy}` : ""}`,
        });
        continue;
      }
      touched.set(s.requestId, [...(touched.get(s.requestId) ?? []), id]);
      out.push({
        subjectId: id,
        name: s.name,
        outcome: to === "approved" ? "approved" : "kept",
        message: to === "approved" ? `approved by ${input.actor.label}` : `kept by ${input.actor.label}`,
      });
    }
    for (const [requestId, subjectIds] of touched) {
      this.deps.repo.tx((tx) =>
        this.enqueueNotify(tx, {
          kind: "changed",
          requestId,
          subjectIds,
          summary: `decided by ${input.actor.label}`,
        }),
      );
    }
    if (touched.size > 0) this.wake();
    return out;
  }

  // ---- executing ---------------------------------------------------------------------------------

  private move(
    s: SubjectRow,
    from: SubjectState[],
    to: SubjectState,
    why: string,
    set: Partial<SubjectRow> = {},
    event: "changed" | "task" = "changed",
  ): SubjectRow | null {
    const now = this.now();
    return this.deps.repo.tx((tx) => {
      const row = this.deps.repo.transition(tx, {
        subjectId: s.id,
        from,
        to,
        actor: "gongops",
        why,
        set: { stateReason: why, waitingNote: null, ...set },
        now,
      });
      if (row) {
        const e: ApprovalEvent =
          event === "task"
            ? { kind: "task", requestId: s.requestId, subjectIds: [s.id] }
            : { kind: "changed", requestId: s.requestId, subjectIds: [s.id], summary: `${s.name}: ${why}` };
        this.enqueueNotify(tx, e);
      }
      return row;
    });
  }

  /** Fresh from Gong: why the subject must not be deactivated now (null: go ahead). */
  private async cameBack(s: SubjectRow, request: RequestRow): Promise<string | null> {
    const gong = this.deps.gong;
    if (!gong) return null;
    const user = await gong.getUser(s.userId);
    if (!user) return `${s.name} is no longer in Gong`;
    const from = new Date(request.activitySince);
    const to = this.now();
    if (to <= from) return null;
    let latest: string | null = null;
    for await (const call of gong.callsExtensive({ from, to, primaryUserIds: [s.userId] })) {
      if (call.primaryUserId !== s.userId) continue;
      const at = call.started ?? call.scheduled ?? null;
      if (at && (!latest || at > latest)) latest = at;
      if (!at && !latest) latest = "an unknown date";
    }
    return latest ? `hosted a call on ${latest.slice(0, 10)}` : null;
  }

  /** The approval-execute job. Safe to run again at any point: every step starts from the stored state. */
  /** The subject as the directory knows them now, or as the request recorded them. */
  private personOf(s: SubjectRow) {
    return (
      this.person(s.userId) ?? {
        id: s.userId,
        email: s.email,
        name: s.name,
        active: true,
        managerId: s.managerId,
      }
    );
  }

  /** `signal`: the job's lease was lost or given back; another process may run it now, so no change. */
  async execute(subjectId: number, signal?: AbortSignal): Promise<void> {
    let s = this.deps.repo.subject(subjectId);
    if (!s) return;
    const request = this.deps.repo.request(s.requestId)!;
    if (s.state === "approved") {
      const reason = await this.cameBack(s, request);
      if (reason) {
        this.move(s, ["approved"], "cancelled", reason);
        return;
      }
      if (this.isDryRun(request)) {
        this.move(
          s,
          ["approved"],
          "done",
          "dry run: everything but the PATCH was done; nobody was deactivated",
        );
        return;
      }
      if (this.deprovisioner.kind === "manual") {
        this.move(s, ["approved"], "awaiting_idp", this.deprovisioner.task(s), {}, "task");
        return;
      }
      const now = this.now();
      const day = utcDay(now.getTime());
      const current = s;
      let claimed: SubjectRow | "cap";
      try {
        claimed = this.deps.repo.tx((tx) => {
          if (!this.deps.repo.takeDailySlot(tx, day, this.settings.maxPerDay, current.capOverride))
            return "cap" as const;
          const row = this.deps.repo.transition(tx, {
            subjectId: current.id,
            from: ["approved"],
            to: "executing",
            actor: "gongops",
            why: `claimed for the ${this.deprovisioner.kind === "scim" ? "PATCH" : `unassignment in ${this.deprovisioner.label}`} (${current.capOverride ? "past the daily cap by an admin" : `within today's cap of ${this.settings.maxPerDay}`})`,
            set: { waitingNote: null },
            now,
          });
          // Someone else claimed it: give the slot back by rolling back.
          if (!row) throw new LostClaim();
          return row;
        });
      } catch (error) {
        if (error instanceof LostClaim) return;
        throw error;
      }
      if (claimed === "cap") {
        const until = nextUtcMidnight(now.getTime());
        const note = `waiting: today's ${this.settings.maxPerDay} deactivations (GONGOPS_MAX_DEACTIVATIONS_PER_DAY) are done; continues after ${until.toISOString()} unless an admin lets it through`;
        if (!current.waitingNote) {
          this.deps.repo.annotate(current.id, "approved", { waitingNote: note });
          this.deps.repo.tx((tx) =>
            this.enqueueNotify(tx, {
              kind: "changed",
              requestId: current.requestId,
              subjectIds: [current.id],
              summary: note,
            }),
          );
          this.wake();
        }
        throw new RetryAfterError(until, note);
      }
      s = claimed;
    }
    if (s.state !== "executing") return;
    await this.patch(s, signal);
  }

  private async patch(s: SubjectRow, signal?: AbortSignal): Promise<void> {
    const dep = this.deprovisioner;
    if (dep.kind === "manual") return;
    dep.observe((call) =>
      this.deps.repo.note(s.id, {
        actor: "gongops",
        why: `${dep.label}: ${call.endpoint} → ${call.status}`,
        now: this.now(),
      }),
    );
    try {
      await this.unassign(s, dep, signal);
    } catch (error) {
      const plain = dep.explain(error);
      if (plain && "retryAt" in plain) throw new RetryAfterError(plain.retryAt, plain.why);
      if (plain) {
        // An earlier attempt's change may have landed; this attempt's partial one the adapter says.
        const landed =
          s.idpSnapshot != null && !/Nothing was changed\.$/.test(plain.failed)
            ? ` An earlier attempt may already have removed the assignment in ${dep.label}: check ${s.name} there, or put it back with gongops reactivate.`
            : "";
        this.move(s, ["executing"], "failed", `${plain.failed}${landed}`);
        return;
      }
      throw error; // 429/5xx after the HTTP layer's retries: the job backs off and tries again
    } finally {
      dep.observe(null);
    }
  }

  /**
   * Found again every time, so a takeover after a crash sees a change that already landed. A stored
   * undo snapshot means an earlier attempt may have removed the assignment: the checks still run
   * (no change goes out unchecked), but no failure may then claim that nothing was changed, the
   * snapshot taken before that first change is kept, and `gongops reactivate` can put it back.
   */
  private async unassign(s: SubjectRow, dep: ApiDeprovisioner, signal?: AbortSignal): Promise<void> {
    const scim = dep.kind === "scim";
    const earlier = s.idpSnapshot != null;
    const unchanged = earlier
      ? ` An earlier attempt may already have removed the assignment in ${dep.label}: check ${s.name} there, or put it back with gongops reactivate.`
      : " Nothing was changed.";
    const checked = await dep.preflight();
    const { refusal } = checked;
    if (refusal) {
      this.move(s, ["executing"], "failed", scim ? refusal : `${refusal}.${unchanged}`);
      return;
    }
    if (checked.caveat) this.deps.repo.note(s.id, { actor: "gongops", why: checked.caveat, now: this.now() });
    const user = await dep.find(s.email!);
    if (!user) {
      this.move(
        s,
        ["executing"],
        "failed",
        scim
          ? `Gong SCIM has no user with userName ${s.email} (404); is the SCIM source the one Gong provisions from?`
          : `${dep.label} has no user with login ${s.email}; is ${dep.label} the source Gong provisions from?${unchanged}`,
      );
      return;
    }
    const assignment = await dep.assignment(user);
    if (assignment.kind === "group" || assignment.kind === "both") {
      const groups = assignment.groups.length > 0 ? assignment.groups.join(", ") : "an unnamed group";
      this.move(
        s,
        ["executing"],
        "failed",
        `${s.name} gets Gong through ${dep.label} group${assignment.groups.length === 1 ? "" : "s"} ${groups}` +
          `${assignment.kind === "both" ? " as well as a direct assignment" : ""}; gongops never removes group access. ` +
          `${dep.groupAdvice(assignment.groups)}${unchanged}`,
      );
      return;
    }
    if (scim) {
      if (assignment.kind === "none") {
        this.move(s, ["executing"], "done", "already inactive in Gong SCIM; no PATCH made", {
          scimId: user.id,
        });
        return;
      }
      await dep.unassign(user, assignment);
      this.move(s, ["executing"], "done", "deactivated through SCIM (PATCH active=false, verified)", {
        scimId: user.id,
      });
      this.log.info("deactivated a Gong user through SCIM", { subject: s.id, user: s.userId });
      return;
    }
    let why: string;
    if (assignment.kind === "none") {
      // A snapshot means an earlier attempt removed the assignment (a takeover after a crash).
      why = s.idpSnapshot
        ? `removed in ${dep.label} by an earlier attempt, waiting for Gong: a directory sync that shows ${s.name} inactive confirms it`
        : `not assigned to the Gong app in ${dep.label} (nothing to remove); waiting for a Gong directory sync that shows ${s.name} inactive`;
    } else {
      // The undo snapshot is stored before the change: a crash after it still leaves a way back. The
      // first one is kept (it is what the user had before any attempt; a partial removal leaves less).
      // The job given back, or the subject moved meanwhile: another attempt owns it now.
      if (signal?.aborted) return;
      if (!earlier && !this.deps.repo.annotate(s.id, "executing", { idpSnapshot: assignment.snapshot }))
        return;
      if (signal?.aborted) return;
      const out = await dep.unassign(user, assignment);
      why =
        out === "already"
          ? `already removed in ${dep.label}; waiting for a Gong directory sync that shows ${s.name} inactive`
          : `removed in ${dep.label}, waiting for Gong: a directory sync that shows ${s.name} inactive confirms it`;
      this.log.info(`unassigned a user from the Gong app in ${dep.label}`, { subject: s.id, user: s.userId });
    }
    const nudged = await dep.nudge?.(user);
    if (nudged)
      this.deps.repo.note(s.id, { actor: "gongops", why: `${dep.label}: ${nudged}`, now: this.now() });
    const now = this.now();
    const minutes = this.settings.verifyMinutes ?? 90;
    this.deps.repo.tx((tx) => {
      const row = this.deps.repo.transition(tx, {
        subjectId: s.id,
        from: ["executing"],
        to: "awaiting_idp",
        actor: "gongops",
        why,
        set: { stateReason: why, waitingNote: null },
        now,
      });
      if (!row) return;
      this.enqueueNotify(tx, {
        kind: "changed",
        requestId: s.requestId,
        subjectIds: [s.id],
        summary: `${s.name}: ${why}`,
      });
      enqueueJob(
        this.deps.jobs,
        this.verifyJob,
        { subjectId: s.id },
        {
          tx,
          now,
          runAt: new Date(now.getTime() + minutes * 60_000),
          idempotencyKey: `approval-verify:${s.id}`,
        },
      );
    });
    this.wake();
  }

  /** Past the deadline, a subject still waiting for Gong: tell the admins what to check (once). */
  private async verifyDeadline(subjectId: number): Promise<void> {
    this.closeVerified();
    const s = this.deps.repo.subject(subjectId);
    if (s?.state !== "awaiting_idp" || s.waitingNote) return;
    const label = this.deprovisioner.label;
    const checks =
      this.deprovisioner.kind === "okta"
        ? "in Okta, the Gong app's Provisioning > To App has Deactivate Users on, and the user's push to Gong did not fail (Dashboard > Tasks)"
        : this.deprovisioner.kind === "entra"
          ? 'in Entra ID, the Gong enterprise app\'s provisioning is running (not quarantined), its scope is "Sync only assigned users and groups", and its provisioning log shows the user disabled'
          : `${label} removed the user and pushes deactivations to Gong`;
    const note = `still active in Gong ${this.settings.verifyMinutes ?? 90} minutes after the change in ${label}; check that ${checks}, then run a directory sync`;
    if (this.deps.repo.annotate(s.id, "awaiting_idp", { waitingNote: note })) {
      this.deps.repo.tx((tx) =>
        this.enqueueNotify(tx, {
          kind: "changed",
          requestId: s.requestId,
          subjectIds: [s.id],
          summary: `${s.name}: ${note}`,
        }),
      );
      this.log.warn("an IdP deactivation is not confirmed by Gong yet", { subject: s.id, via: label });
      this.wake();
    }
  }

  /** An admin lets an approved subject past today's cap. */
  releaseFromCap(subjectId: number, actor: Actor, reason: string): boolean {
    if (!actor.isAdmin) throw new UsageError("only admins can let a deactivation past the daily cap");
    if (!reason.trim()) throw new UsageError("letting a deactivation past the daily cap needs a reason");
    const now = this.now();
    const row = this.deps.repo.tx((tx) =>
      this.deps.repo.transition(tx, {
        subjectId,
        from: ["approved"],
        to: "approved",
        actor: actor.label,
        why: `past the daily cap: ${reason.trim()}`,
        override: true,
        set: { capOverride: true },
        now,
      }),
    );
    if (!row) return false;
    const { job } = enqueueJob(
      this.deps.jobs,
      this.executeJob,
      { subjectId },
      { now, idempotencyKey: `approval-execute:${subjectId}` },
    );
    this.deps.jobs.retryNow(job.id, now);
    this.wake();
    return true;
  }

  // ---- manual mode, timers, undo -----------------------------------------------------------------

  /** Closes manual tasks whose user the current directory snapshot shows inactive. */
  closeVerified(): number {
    const state = this.deps.directory.state();
    if (!state) return 0;
    let closed = 0;
    for (const s of this.deps.repo.subjectsIn(["awaiting_idp"])) {
      const row = this.deps.directory.byId(state.gen, s.userId);
      if (row && row.active === false) {
        if (
          this.move(
            s,
            ["awaiting_idp"],
            "done",
            `the directory sync of ${state.syncedAt} shows ${s.name} inactive`,
          )
        )
          closed++;
      }
    }
    if (closed > 0) this.wake();
    return closed;
  }

  private async timer(requestId: number, step: "remind" | "escalate" | "expire"): Promise<void> {
    const subjects = this.deps.repo.subjects(requestId);
    const pending = subjects.filter((s) => s.state === "pending");
    if (step === "remind") {
      this.closeVerified();
      const waiting = subjects.filter((s) => s.state === "pending" || s.state === "awaiting_idp");
      if (waiting.length > 0)
        await this.notifier?.notify({ kind: "remind", requestId, subjectIds: waiting.map((s) => s.id) });
      return;
    }
    if (step === "expire") {
      const days = this.settings.expireDays;
      for (const s of pending)
        this.move(s, ["pending"], "expired", `no decision in ${days} day${days === 1 ? "" : "s"}`);
      return;
    }
    const request = this.deps.repo.request(requestId)!;
    const moved: number[] = [];
    for (const s of pending) {
      if (s.approverKind !== "user") continue;
      const above = s.approverGongId ? (this.person(s.approverGongId)?.managerId ?? null) : null;
      const a = await this.assign(this.personOf(s), request.requestedBySlack, {
        startFrom: above,
        exclude: s.approverSlackId ? [s.approverSlackId] : [],
      });
      const now = this.now();
      const row = this.deps.repo.tx((tx) =>
        this.deps.repo.transition(tx, {
          subjectId: s.id,
          from: ["pending"],
          to: "pending",
          actor: "gongops",
          why: `escalated after ${2 * this.settings.remindHours} h without a decision from ${s.approverName}: ${a.name ?? "the approvals channel"} (${a.reason})`,
          set: {
            approverKind: a.kind,
            approverSlackId: a.slackUserId,
            approverGongId: a.gongId,
            approverName: a.name,
            approverReason: `${s.approverName} did not decide in ${2 * this.settings.remindHours} h; ${a.reason}`,
            escalations: s.escalations + 1,
          },
          now,
        }),
      );
      if (row) moved.push(s.id);
    }
    if (moved.length > 0) await this.notifier?.notify({ kind: "escalated", requestId, subjectIds: moved });
  }

  /** Undo: SCIM active=true for a user gongops deactivated, recorded in the trail. */
  async reactivate(input: { who: string; reason: string; actor: Actor }): Promise<SubjectRow> {
    if (!input.reason.trim()) throw new UsageError('reactivating needs a reason: --reason "…"');
    const found = await this.deps.lookup.find(input.who, { refresh: "none" });
    if (found.match !== "one") throw new NotFoundError(`no single Gong user matches "${input.who}"`);
    const s = this.deps.repo.subjectsOfUser(found.user.id).find(undoable);
    if (!s) throw new UsageError(`${found.user.name} was not deactivated by gongops; nothing to undo`);
    return this.reactivateSubject({ subjectId: s.id, reason: input.reason, actor: input.actor });
  }

  /** Undo for one subject (the Reactivate button): admins and whoever approved it. */
  async reactivateSubject(input: { subjectId: number; reason: string; actor: Actor }): Promise<SubjectRow> {
    if (!input.reason.trim()) throw new UsageError("reactivating needs a reason");
    const s = this.deps.repo.subject(input.subjectId);
    if (!s || !undoable(s)) throw new UsageError("only a user gongops deactivated can be reactivated");
    const request = this.deps.repo.request(s.requestId)!;
    if (!input.actor.isAdmin && input.actor.slackUserId !== s.decidedBy)
      throw new UsageError("only admins and the approver can reactivate");
    const dry = this.isDryRun(request) && !s.scimId && !s.idpSnapshot;
    let how = "reactivated through SCIM (active=true)";
    if (!dry && s.idpSnapshot) {
      const dep = this.deprovisioner;
      if (dep.kind !== s.idpSnapshot.kind || dep.kind === "manual" || dep.kind === "scim")
        throw new UsageError(
          `${s.name} was removed through ${s.idpSnapshot.kind}, but GONGOPS_DEACTIVATE_VIA is ${this.settings.deactivateVia}: reassign them in the IdP by hand`,
        );
      dep.observe((call) =>
        this.deps.repo.note(s.id, {
          actor: input.actor.label,
          why: `${dep.label}: ${call.endpoint} → ${call.status}`,
          now: this.now(),
        }),
      );
      try {
        await dep.reassign(s.idpSnapshot);
      } catch (error) {
        // In plain words for whoever asked; the user stays deactivated and they can try again.
        const plain = dep.explain(error);
        if (!plain) throw error;
        throw new UsageError(
          "failed" in plain
            ? `${s.name} is still deactivated: ${plain.failed}`
            : `${s.name} is still deactivated: ${dep.label} asked to wait until ${plain.retryAt.toISOString()}; try again then`,
        );
      } finally {
        dep.observe(null);
      }
      how = `reassigned to the Gong app in ${dep.label} (Gong reactivates them on its next push)`;
    } else if (!dry) {
      if (!this.deps.scim)
        throw new UsageError("GONG_SCIM_TOKEN is not set: reactivate the user in the IdP or in Gong");
      const user = await this.deps.scim.findUserByEmail(s.email!);
      if (!user) throw new NotFoundError(`Gong SCIM has no user with userName ${s.email}`);
      if (user.active !== true) await this.deps.scim.setActive(user.id, true);
    }
    const row = this.move(
      s,
      [s.state === "failed" ? "failed" : "done"],
      "reactivated",
      `${dry ? "dry run undone (nothing had changed)" : how} by ${input.actor.label}: ${input.reason.trim()}`,
    );
    if (!row)
      throw new UsageError(
        `${s.name} changed meanwhile; look again with gongops requests show ${s.requestId}`,
      );
    this.wake();
    return row;
  }

  // ---- reading -----------------------------------------------------------------------------------

  view(requestId: number): RequestView | null {
    const request = this.deps.repo.request(requestId);
    if (!request) return null;
    return { request, subjects: this.deps.repo.subjects(requestId), dryRun: this.isDryRun(request) };
  }

  list(options: { open?: boolean; limit?: number } = {}): RequestView[] {
    return this.deps.repo
      .requests(options.limit ?? 50)
      .map((r) => this.view(r.id)!)
      .filter((v) => !options.open || v.subjects.some((s) => isOpen(s.state)));
  }

  trail(options: { since?: Date } = {}): TrailRow[] {
    return this.deps.repo.trail({ since: options.since?.toISOString() });
  }

  /** Today's PATCHes against the cap. */
  capToday(): { day: string; used: number; cap: number } {
    const day = utcDay(this.deps.clock.now());
    return { day, used: this.deps.repo.dailyUsed(day), cap: this.settings.maxPerDay };
  }

  /** Failures of the last week, newest first (for the admins' overview). */
  failedRecently(days = 7): SubjectRow[] {
    const since = new Date(this.now().getTime() - days * DAY_MS).toISOString();
    return this.deps.repo
      .subjectsIn(["failed"])
      .filter((s) => s.updatedAt >= since)
      .reverse();
  }

  /** Subjects waiting for a Slack user's decision. */
  pendingFor(slackUserId: string): SubjectRow[] {
    return this.deps.repo
      .subjectsIn(["pending"])
      .filter((s) => s.approverKind === "user" && s.approverSlackId === slackUserId);
  }
}

class LostClaim {}
