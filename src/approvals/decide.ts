import { RefusedError, UsageError } from "../errors.js";
import { enqueueJob } from "../jobs/index.js";
import type { RequestRow, SubjectRow } from "../store/approvals.repo.js";
import type { SubjectState } from "../store/schema.js";
import { type SlackPeople, slackIdsOf } from "./approver.js";
import { disqualifier, peopleFor, reassign } from "./assign.js";
import type { ApprovalsCore } from "./core.js";
import type { Actor, DecisionOutcome } from "./types.js";

/**
 * Who may decide, and the decision itself: one conditional update from pending, so that of two clicks
 * (or two processes) exactly one wins; an approval enqueues its execution in the same transaction.
 */

type Authority =
  | { refused: string }
  | {
      override: boolean;
      /** The approver the decision was checked against: the UPDATE holds only while it still is. */
      approver?: { kind: SubjectRow["approverKind"]; slackId: string | null };
    };

/**
 * Whether `actor` may decide on `s`, checked now (not only when the approver was assigned): never the
 * subject (by any of their addresses), never whoever filed it (the same Slack user or the same
 * terminal operator) unless GONGOPS_ALLOW_SELF_APPROVAL; the assigned approver only while they may
 * still decide (active in Gong, in no open request themselves; otherwise the subject moves up);
 * the approvals channel's admins in Slack; any other admin only as an override with a reason.
 */
async function authority(
  core: ApprovalsCore,
  s: SubjectRow,
  request: RequestRow,
  actor: Actor,
  override: boolean,
  pass: Pass,
): Promise<Authority> {
  const { slack } = pass;
  if (actor.slackUserId && slack) {
    const subject = await slackIdsOf(slack, { ...core.personOf(s), aliases: s.aliases });
    if (subject.has(actor.slackUserId)) return { refused: "you cannot decide on yourself" };
  }
  const filedByActor =
    (actor.slackUserId && actor.slackUserId === request.requestedBySlack) ||
    (actor.operator && actor.operator === request.requestedByOperator);
  if (filedByActor && !core.settings.allowSelfApproval)
    return {
      refused: "you asked for this deactivation; someone else decides (GONGOPS_ALLOW_SELF_APPROVAL)",
    };
  if (s.approverKind === "user" && s.approverSlackId === actor.slackUserId && actor.slackUserId) {
    const why = await approverUnfit(core, s, pass);
    if (why) {
      const moved = await reassign(core, s, `${s.approverName} ${why}`, { slack, excludeWhy: why });
      const now =
        moved?.state === "pending" ? `${moved.approverName ?? "the approvals channel"} decides now` : "";
      return {
        refused: `you may no longer decide on ${s.name}: you ${why.replace(/^is /, "are ")}${now ? `; ${now}` : moved ? "; nobody else can, so it was cancelled" : ""}`,
      };
    }
    return { override: false, approver: { kind: "user", slackId: actor.slackUserId } };
  }
  // The channel's "any admin" is an admin in Slack; from a terminal it is an override, with its reason.
  if (s.approverKind === "channel" && actor.isAdmin && actor.slackUserId)
    return { override: false, approver: { kind: "channel", slackId: null } };
  // The reason an override needs is the decision's to check (decide); authority only says it may be one.
  if (override && actor.isAdmin) return { override: true };
  return { refused: "not yours to decide" };
}

/** One decision pass (a click, "Approve all listed"): Slack's people and Gong's answers, asked once. */
interface Pass {
  slack: SlackPeople | null;
  active: Map<string, Promise<boolean | null | undefined>>;
}

function pass(core: ApprovalsCore): Pass {
  return { slack: peopleFor(core), active: new Map() };
}

/** Why the assigned approver may not decide now (words after their name), or null. */
async function approverUnfit(core: ApprovalsCore, s: SubjectRow, p: Pass): Promise<string | null> {
  const id = s.approverGongId;
  if (!id) return null;
  const open = disqualifier(core)(id);
  if (open) return open;
  // Fresh from Gong where it can be asked: the snapshot may predate their deactivation.
  const gong = core.deps.gong;
  let asked = p.active.get(id);
  if (!asked) {
    asked = gong ? gong.getUser(id).then((u) => u?.active) : Promise.resolve(core.person(id)?.active);
    p.active.set(id, asked);
  }
  const active = await asked;
  return active === true || (active == null && !gong) ? null : "is no longer active in Gong";
}

/**
 * Why `actor` may not decide on subject `id` now (null when they may), e.g. before asking for a reason.
 * `asOverride`: may they decide in the approver's place (an admin, with a reason asked next)?
 */
export async function refusal(
  core: ApprovalsCore,
  id: number,
  actor: Actor,
  options: { asOverride?: boolean } = {},
): Promise<string | null> {
  const s = core.repo.subject(id);
  if (!s) return "no such subject";
  if (s.state === "notice") return askedFirst(s);
  if (s.state !== "pending") return `already decided: ${s.state}`;
  const request = core.repo.request(s.requestId)!;
  const auth = await authority(core, s, request, actor, options.asOverride === true, pass(core));
  return "refused" in auth ? auth.refused : null;
}

/** A subject whose seat holder is asked first (holder.ts) is nobody else's to decide yet. */
function askedFirst(s: SubjectRow): string {
  return `${s.name}'s seat holder is asked first, until ${s.noticeUntil?.slice(0, 10) ?? "the notice ends"}; their approver decides after that`;
}

export interface DecideInput {
  subjectIds: readonly number[];
  decision: "approve" | "keep";
  actor: Actor;
  reason?: string | null;
  /** An admin deciding in place of the assigned approver (reason required). */
  override?: boolean;
}

/** Approves or keeps subjects; each outcome says what happened to that one. */
export async function decide(core: ApprovalsCore, input: DecideInput): Promise<DecisionOutcome[]> {
  const { repo } = core;
  const out: DecisionOutcome[] = [];
  const touched = new Map<number, number[]>();
  const one = pass(core);
  for (const id of input.subjectIds) {
    const s = repo.subject(id);
    if (!s) {
      out.push({ subjectId: id, name: `#${id}`, outcome: "refused", message: "no such subject" });
      continue;
    }
    if (s.state === "notice") {
      out.push({ subjectId: id, name: s.name, outcome: "refused", message: askedFirst(s) });
      continue;
    }
    const request = repo.request(s.requestId)!;
    const found = await authority(core, s, request, input.actor, input.override === true, one);
    const auth: Authority =
      "override" in found && found.override && !input.reason?.trim()
        ? { refused: "an admin override needs a reason" }
        : found;
    if ("refused" in auth) {
      core.log.warn("refused a decision", {
        subject: s.id,
        request: s.requestId,
        actor: input.actor.label,
        why: auth.refused,
      });
      out.push({ subjectId: id, name: s.name, outcome: "refused", message: auth.refused });
      continue;
    }
    const now = core.now();
    const to: SubjectState = input.decision === "approve" ? "approved" : "kept";
    const decidedBy = input.actor.slackUserId ?? input.actor.label;
    const moved = repo.tx((tx) => {
      const row = core.transition(tx, {
        subjectId: id,
        from: ["pending"],
        to,
        actor: input.actor.label,
        why: input.reason?.trim() || (auth.override ? "admin override" : null),
        override: auth.override,
        set: { decidedBy, decidedAt: now.toISOString(), stateReason: input.reason?.trim() || null },
        approver: auth.approver,
        now,
      });
      if (!row) return null;
      if (to === "approved")
        enqueueJob(
          core.deps.jobs,
          core.jobs.execute,
          { subjectId: id },
          { tx, now, idempotencyKey: `approval-execute:${id}` },
        );
      return row;
    });
    if (!moved) {
      const current = repo.subject(id)!;
      if (current.state === "pending") {
        // Reassigned (escalated, moved up) between the check and the click: the new approver decides.
        out.push({
          subjectId: id,
          name: s.name,
          outcome: "refused",
          message: `no longer yours to decide: ${current.approverName ?? "the approvals channel"} decides now`,
        });
        continue;
      }
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
    repo.tx((tx) =>
      core.enqueueNotify(tx, {
        kind: "changed",
        requestId,
        subjectIds,
        summary: `decided by ${input.actor.label}`,
      }),
    );
  }
  if (touched.size > 0) core.wake();
  return out;
}

/** An admin lets an approved subject past today's cap. */
export function releaseFromCap(
  core: ApprovalsCore,
  subjectId: number,
  actor: Actor,
  reason: string,
): boolean {
  if (!actor.isAdmin) throw new RefusedError("only admins can let a deactivation past the daily cap");
  if (!reason.trim()) throw new UsageError("letting a deactivation past the daily cap needs a reason");
  const now = core.now();
  const row = core.repo.tx((tx) =>
    core.transition(tx, {
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
    core.deps.jobs,
    core.jobs.execute,
    { subjectId },
    { now, idempotencyKey: `approval-execute:${subjectId}` },
  );
  core.deps.jobs.retryNow(job.id, now);
  core.wake();
  return true;
}
