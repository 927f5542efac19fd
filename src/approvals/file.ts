import { GongopsError, RefusedError, UsageError } from "../errors.js";
import { enqueueJob } from "../jobs/index.js";
import type { NewSubject, RequestRow, SubjectRow } from "../store/approvals.repo.js";
import type { DbOrTx } from "../store/jobs.repo.js";
import type { Assignment, SlackPeople } from "./approver.js";
import { assign, assignmentColumns, noChannel, peopleFor } from "./assign.js";
import type { ApprovalsCore } from "./core.js";
import { type Candidate, eligible, type Refusal } from "./eligibility.js";
import { noticeFor } from "./holder.js";
import { type Actor, DAY_MS } from "./types.js";

export { assign, assignUnassigned } from "./assign.js";

/**
 * Filing a deactivation request: who can be in it (eligibility.ts), their approvers, and the request
 * with its timers, in one transaction. A dry run is stored as one (GONGOPS_DRY_RUN where it is filed
 * counts), so that whichever process approves it changes nothing.
 */

export interface FileInput {
  who: readonly string[];
  reason: string;
  dryRun?: boolean;
  /** File people whose own check found activity in the look-back (direct filings only). */
  force?: boolean;
  actor: Actor;
  source: "slack" | "cli" | "workflow";
  auditRunId?: number | null;
  /** They have left the company: the evidence, in words (eligibility.ts). */
  left?: { words: string };
  /** The Workflow Builder step that files it (steps.ts): linked to it in the filing's transaction. */
  stepExecutionId?: string;
}

export interface Filed {
  request: RequestRow;
  subjects: SubjectRow[];
  refused: Refusal[];
  /** Filed although plainly active (eligibility.ts): what the requester is warned of as it is filed. */
  warnings: Refusal[];
}

/** Anyone with an email is taken to be in Slack: where the CLI files, the walk can only be foreseen. */
const FORESEEN: SlackPeople = { byEmail: async (email) => ({ userId: `email:${email}`, deleted: false }) };

/**
 * Files a request. Each `who` is an email, a Gong id or a name (as in lookups). Users who cannot be
 * in it are listed in `refused` with the reason; when none can, nothing is filed (a RefusedError).
 */
export async function fileRequest(core: ApprovalsCore, input: FileInput): Promise<Filed> {
  const { deps, settings } = core;
  const reason = input.reason.trim();
  if (!reason) throw new UsageError('a deactivation request needs a reason: --reason "…"');
  if (input.who.length === 0) throw new UsageError("say who to deactivate: emails, Gong ids or names");
  const dryRun = Boolean(input.dryRun) || settings.dryRun;
  const { candidates, refused } = await eligible(core, {
    who: input.who,
    auditRunId: input.auditRunId ?? null,
    dryRun,
    force: input.force,
    left: input.left,
    source: input.source,
  });
  const nothing = () =>
    new RefusedError(
      `nothing was filed: ${refused.map((r) => `${r.who}: ${r.why}`).join("; ") || "nobody to deactivate"}`,
    );
  if (candidates.length === 0) throw nothing();
  // Approvers are found before the transaction (Slack lookups are slow), in one pass over Slack's
  // people. Without Slack here (the CLI) the app assigns them when it posts the request; the walk is
  // foreseen all the same, so that one only the approvals channel could decide is refused now when
  // there is no channel.
  const slack = peopleFor(core);
  const filing = new Set(candidates.map((c) => c.id));
  const subjects: NewSubject[] = [];
  const warnings: Refusal[] = [];
  for (const c of candidates) {
    const person = {
      id: c.id,
      email: c.email,
      name: c.name,
      active: true,
      managerId: c.managerId,
      aliases: c.aliases,
    };
    const a = await assign(core, person, input.actor.slackUserId, { slack: slack ?? FORESEEN, filing });
    if (a.kind === "channel" && !settings.channel) {
      refused.push({ who: c.email, why: `${c.name}: ${noChannel(a)}` });
      continue;
    }
    subjects.push(subjectOf(c, slack ? a : null));
    if (c.warning) warnings.push({ who: c.email, why: c.warning });
  }
  if (subjects.length === 0) throw nothing();
  const now = core.now();
  // GONGOPS_NOTIFY_SUBJECT: each seat holder is asked first (holder.ts); the approver's reminder,
  // escalation and expiry then count from the end of the notice.
  const notice = noticeFor(core, now);
  if (notice) for (const s of subjects) s.noticeUntil = notice.until;
  const first = candidates[0]!.evidence;
  let created: { request: RequestRow; subjects: SubjectRow[] };
  try {
    created = deps.repo.tx((tx) => {
      const r = deps.repo.createRequest(
        tx,
        {
          source: input.source,
          requestedBySlack: input.actor.slackUserId,
          requestedBy: input.actor.label,
          requestedByOperator: input.actor.operator ?? null,
          reason,
          dryRun,
          auditRunId: first.auditRunId,
          activitySince: first.activitySince,
          lookbackDays: first.lookbackDays,
          createdAt: now.toISOString(),
        },
        subjects,
        input.actor.label,
        notice
          ? { state: "notice", why: `the seat holder is asked first, until ${notice.until}` }
          : { state: "pending" },
      );
      if (input.stepExecutionId)
        linkStep(
          core,
          tx,
          input.stepExecutionId,
          r.request.id,
          r.subjects.map((s) => s.id),
        );
      core.enqueueNotify(tx, { kind: "filed", requestId: r.request.id });
      const hours = settings.remindHours * 3600_000;
      const wait = notice?.ms ?? 0;
      const steps = [
        ...(notice ? ([["notice", wait]] as const) : []),
        ["remind", wait + hours],
        ["escalate", wait + 2 * hours],
        ["expire", wait + settings.expireDays * DAY_MS],
      ] as const;
      for (const [step, after] of steps) {
        enqueueJob(
          deps.jobs,
          core.jobs.timer,
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
      throw new RefusedError("one of these users was just put in another open request; nothing was filed");
    throw error;
  }
  core.log.info("deactivation request filed", {
    request: created.request.id,
    subjects: created.subjects.length,
    by: input.actor.label,
    dryRun: core.isDryRun(created.request),
  });
  core.wake();
  return { ...created, refused, warnings };
}

function subjectOf(c: Candidate, a: Assignment | null): NewSubject {
  return {
    userId: c.id,
    email: c.email,
    aliases: c.aliases,
    name: c.name,
    title: c.title,
    managerId: c.managerId,
    lastCallAt: c.lastCallAt,
    created: c.created,
    auditRunId: c.evidence.auditRunId,
    activitySince: c.evidence.activitySince,
    lookbackDays: c.evidence.lookbackDays,
    evidence: c.evidence.words,
    ...(a
      ? assignmentColumns(a)
      : {
          approverKind: "unassigned" as const,
          approverSlackId: null,
          approverGongId: null,
          approverName: null,
          approverReason: "the Slack app assigns it when it posts the request",
        }),
  };
}

/** In the filing's transaction (file.ts): the step's request and its one subject. */
export function linkStep(
  core: ApprovalsCore,
  tx: DbOrTx,
  executionId: string,
  requestId: number,
  subjectIds: readonly number[],
): void {
  if (subjectIds.length !== 1)
    throw new GongopsError("INTERNAL", `a workflow step files one person, not ${subjectIds.length}`);
  if (!core.deps.steps.link(tx, executionId, requestId, subjectIds[0]!))
    throw new GongopsError("CONFLICT", `workflow step ${executionId} filed its request already`);
}
