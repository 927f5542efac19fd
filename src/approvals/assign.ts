import { approverWords, type SubjectRow } from "../store/approvals.repo.js";
import { clauses } from "../time.js";
import { type Assignment, chooseApprover, type OrgPerson, type SlackPeople } from "./approver.js";
import type { ApprovalsCore } from "./core.js";

/**
 * Giving a subject its approver, and moving it to another: every assignment (first, reassigned,
 * escalated) is a trail row that names who decides now, and a move is conditional on the approver it
 * moves away from, so that of a late click and a reassignment exactly one wins.
 */

/** The Slack people for one pass (one filing, one round of escalations), or null without Slack. */
export function peopleFor(core: ApprovalsCore): SlackPeople | null {
  return core.slack?.session?.() ?? core.slack;
}

/**
 * Why a Gong user may not decide now: they have left the company, they are in an open (real) request
 * themselves, or in the one being filed (`filing`: its users' ids).
 */
export function disqualifier(
  core: ApprovalsCore,
  filing: ReadonlySet<string> = new Set(),
): (gongId: string) => string | null {
  return (gongId) => {
    if (filing.has(gongId)) return "is in this deactivation request too";
    // A leaver never approves anything, whatever Slack still shows (an IdP may know first).
    const left = core.deps.hasLeft?.(gongId);
    if (left) return left;
    const open = core.repo.openFor(gongId);
    return open ? `is in open deactivation request #${open.requestId}` : null;
  };
}

/** The subject as a person the walk starts from, with every address of theirs. */
export function subjectPerson(core: ApprovalsCore, s: SubjectRow): OrgPerson {
  return { ...core.personOf(s), aliases: s.aliases };
}

/** Walks up from the subject (or `from`) to the first person who may decide (approver.ts). */
export async function assign(
  core: ApprovalsCore,
  subject: OrgPerson,
  requesterSlackId: string | null,
  options: {
    slack?: SlackPeople | null;
    from?: { startFrom: string | null; exclude: string[]; excludeWhy?: string };
    filing?: ReadonlySet<string>;
  } = {},
): Promise<Assignment> {
  const slack = options.slack ?? core.slack ?? { byEmail: async () => null };
  return chooseApprover({
    subject,
    person: (id) => core.person(id),
    slack,
    requesterSlackId,
    allowSelfApproval: core.settings.allowSelfApproval,
    disqualified: disqualifier(core, options.filing),
    ...(options.from ?? {}),
  });
}

/** The columns an assignment sets on its subject. */
export function assignmentColumns(a: Assignment) {
  return {
    approverKind: a.kind,
    approverSlackId: a.slackUserId,
    approverGongId: a.gongId,
    approverName: a.name,
    approverReason: a.reason,
  };
}

/** Why a subject nobody can decide on is refused while no approvals channel is set. */
export function noChannel(a: Assignment): string {
  return `${a.reason.replace(/; any admin may decide in the approvals channel$/, "")}, and no approvals channel is set (GONGOPS_APPROVALS_CHANNEL) where an admin could decide`;
}

/**
 * Moves a pending subject away from its approver (who did not answer, or may no longer decide) to the
 * next person up, with a trail row naming them. Null when it had moved or been decided already.
 */
export async function reassign(
  core: ApprovalsCore,
  s: SubjectRow,
  why: string,
  options: { slack?: SlackPeople | null; escalation?: boolean; excludeWhy?: string } = {},
): Promise<SubjectRow | null> {
  // An escalation with nobody above and no approvals channel leaves it with the approver it has, who
  // may still decide; an approver who may not decide any more leaves nobody, and it is cancelled.
  const request = core.repo.request(s.requestId);
  if (!request) return null;
  const above = s.approverGongId ? (core.person(s.approverGongId)?.managerId ?? null) : null;
  const a = await assign(core, subjectPerson(core, s), request.requestedBySlack, {
    slack: options.slack,
    from: {
      startFrom: s.approverKind === "user" ? above : (s.managerId ?? null),
      exclude: s.approverSlackId ? [s.approverSlackId] : [],
      ...(options.excludeWhy ? { excludeWhy: options.excludeWhy } : {}),
    },
  });
  const now = core.now();
  const columns = assignmentColumns({ ...a, reason: clauses(why, a.reason) } as Assignment);
  const key = s.approverKind === "user" && s.approverSlackId ? s.approverSlackId : "channel";
  const former = s.formerApprovers.includes(key) ? s.formerApprovers : [...s.formerApprovers, key];
  const channelMissing = a.kind === "channel" && !core.settings.channel;
  if (channelMissing && options.escalation) return null;
  return core.repo.tx((tx) => {
    const row = core.transition(tx, {
      subjectId: s.id,
      from: ["pending"],
      to: channelMissing ? "cancelled" : "pending",
      actor: "gongops",
      why: channelMissing
        ? clauses(why, `nobody else can decide: ${noChannel(a)}`)
        : `${options.escalation ? "escalated" : "reassigned"}: ${clauses(why, approverWords(columns))}`,
      set: channelMissing
        ? { stateReason: noChannel(a), formerApprovers: former }
        : {
            ...columns,
            formerApprovers: former,
            escalations: s.escalations + (options.escalation ? 1 : 0),
          },
      approver: { kind: s.approverKind, slackId: s.approverSlackId },
      now,
    });
    if (row)
      core.enqueueNotify(tx, {
        kind: "changed",
        requestId: s.requestId,
        subjectIds: [s.id],
        summary: `${s.name}: ${channelMissing ? "cancelled" : `now decided by ${a.name ?? "the approvals channel"}`}`,
      });
    return row;
  });
}

/**
 * Subjects filed without Slack (from the CLI) get their approver when the app posts them (while their
 * seat holder is asked first too), each with its trail row; one that only the approvals channel could decide while none is set is cancelled,
 * saying so, rather than left to expire.
 */
export async function assignUnassigned(core: ApprovalsCore, requestId: number): Promise<void> {
  if (!core.slack) return;
  const request = core.repo.request(requestId);
  if (!request) return;
  const slack = peopleFor(core);
  for (const s of core.repo.subjects(requestId)) {
    if (s.approverKind !== "unassigned" || (s.state !== "pending" && s.state !== "notice")) continue;
    const a = await assign(core, subjectPerson(core, s), request.requestedBySlack, { slack });
    const now = core.now();
    const columns = assignmentColumns(a);
    const channelMissing = a.kind === "channel" && !core.settings.channel;
    core.repo.tx((tx) =>
      core.transition(tx, {
        subjectId: s.id,
        from: [s.state],
        to: channelMissing ? "cancelled" : s.state,
        actor: "gongops",
        why: channelMissing ? `nobody can decide: ${noChannel(a)}` : `assigned: ${approverWords(columns)}`,
        set: channelMissing ? { stateReason: noChannel(a) } : columns,
        approver: { kind: "unassigned", slackId: null },
        now,
      }),
    );
  }
}
