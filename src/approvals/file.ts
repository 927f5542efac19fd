import { exemptionMatcher } from "../audit/exemptions.js";
import type { UserCard } from "../directory/lookup.service.js";
import { NotFoundError, UsageError } from "../errors.js";
import { enqueueJob } from "../jobs/index.js";
import type { NewSubject, RequestRow, SubjectRow } from "../store/approvals.repo.js";
import { type Assignment, chooseApprover, type OrgPerson } from "./approver.js";
import type { ApprovalsCore } from "./core.js";
import { type Actor, DAY_MS } from "./types.js";

/**
 * Filing a deactivation request: who can be in it (active in Gong, with an email, not exempt, not in
 * another open request), their approvers, and the request with its timers, in one transaction.
 */

export interface FileInput {
  who: readonly string[];
  reason: string;
  dryRun?: boolean;
  actor: Actor;
  source: "slack" | "cli";
  auditRunId?: number | null;
}

export interface Filed {
  request: RequestRow;
  subjects: SubjectRow[];
  refused: { who: string; why: string }[];
}

function personOf(card: Pick<UserCard, "id" | "email" | "name" | "active" | "managerId">): OrgPerson {
  return { id: card.id, email: card.email, name: card.name, active: card.active, managerId: card.managerId };
}

/**
 * Files a request. Each `who` is an email, a Gong id or a name (as in lookups). Users who cannot be
 * in it are listed in `refused` with the reason; when none can, nothing is filed (a UsageError).
 */
export async function fileRequest(core: ApprovalsCore, input: FileInput): Promise<Filed> {
  const { deps, settings } = core;
  const reason = input.reason.trim();
  if (!reason) throw new UsageError('a deactivation request needs a reason: --reason "…"');
  if (input.who.length === 0) throw new UsageError("say who to deactivate: emails, Gong ids or names");
  const now = core.now();
  const audit = input.auditRunId ? deps.audits.get(input.auditRunId) : deps.audits.latest("succeeded");
  if (input.auditRunId && !audit) throw new NotFoundError(`there is no audit #${input.auditRunId}`);
  const auditSubjects = new Map((audit ? deps.audits.subjects(audit.id) : []).map((s) => [s.userId, s]));
  const rules = deps.exemptions.list().map((r) => ({
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
      const found = await deps.lookup.find(who);
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
      const rule = exempt({ id: card.id, email: card.email, aliases: card.emailAliases, title: card.title });
      const open = deps.repo.openFor(card.id);
      if (rule) refused.push({ who, why: `${card.name} is exempt (${rule.kind} ${rule.value})` });
      else if (open) refused.push({ who, why: `${card.name} is already in open request #${open.requestId}` });
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
    assignments.set(card.id, core.slack ? await assign(core, personOf(card), input.actor.slackUserId) : null);
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
    created = deps.repo.tx((tx) => {
      const r = deps.repo.createRequest(
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
      core.enqueueNotify(tx, { kind: "filed", requestId: r.request.id });
      const hours = settings.remindHours * 3600_000;
      const steps = [
        ["remind", hours],
        ["escalate", 2 * hours],
        ["expire", settings.expireDays * DAY_MS],
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
      throw new UsageError("one of these users was just put in another open request; nothing was filed");
    throw error;
  }
  core.log.info("deactivation request filed", {
    request: created.request.id,
    subjects: created.subjects.length,
    by: input.actor.label,
    dryRun: core.isDryRun(created.request),
  });
  core.wake();
  return { ...created, refused };
}

/** Walks up from the subject (or `from`) to the first person who may decide (approver.ts). */
export async function assign(
  core: ApprovalsCore,
  subject: OrgPerson,
  requesterSlackId: string | null,
  from?: { startFrom: string | null; exclude: string[] },
): Promise<Assignment> {
  const slack = core.slack ?? { byEmail: async () => null };
  return chooseApprover({
    subject,
    person: (id) => core.person(id),
    slack,
    requesterSlackId,
    allowSelfApproval: core.settings.allowSelfApproval,
    ...(from ?? {}),
  });
}

/** Subjects filed without Slack (from the CLI) get their approver when the app posts them. */
export async function assignUnassigned(core: ApprovalsCore, requestId: number): Promise<void> {
  if (!core.slack) return;
  const request = core.repo.request(requestId);
  if (!request) return;
  for (const s of core.repo.subjects(requestId)) {
    if (s.approverKind !== "unassigned" || s.state !== "pending") continue;
    const a = await assign(core, core.personOf(s), request.requestedBySlack);
    core.repo.annotate(s.id, "pending", {
      approverKind: a.kind,
      approverSlackId: a.slackUserId,
      approverGongId: a.gongId,
      approverName: a.name,
      approverReason: a.reason,
    });
  }
}
