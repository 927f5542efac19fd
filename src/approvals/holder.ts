import { enqueueJob } from "../jobs/index.js";
import type { SubjectRow } from "../store/approvals.repo.js";
import type { SlackPeople, SlackPerson } from "./approver.js";
import { peopleFor } from "./assign.js";
import type { ApprovalsCore } from "./core.js";
import { stateLabel } from "./states.js";
import { DAY_MS } from "./types.js";

/**
 * The seat holder's own say (GONGOPS_NOTIFY_SUBJECT). A subject starts in `notice`: before their
 * approver is asked, the person whose seat it is hears that it shows no activity and when it will be
 * offered for removal. "I still need it" keeps them, with their reason (the keep cool-down follows);
 * "Release it" is their consent, recorded in the trail, and the seat goes under the usual checks, cap
 * and dry run (the approver is told, not asked). No answer by the end of the notice, and the approver
 * is asked as before. Someone with no Slack account, or a deactivated one (a leaver), is never asked:
 * the approver is, at once. Every move is one conditional update with its trail row (states.ts).
 */

export function noticeDays(core: ApprovalsCore): number {
  return core.settings.subjectNoticeDays ?? 3;
}

/** Whether a request filed now asks its seat holders first, and until when. */
export function noticeFor(core: ApprovalsCore, now: Date): { until: string; ms: number } | null {
  if (core.settings.notifySubject !== true) return null;
  const ms = noticeDays(core) * DAY_MS;
  return { until: new Date(now.getTime() + ms).toISOString(), ms };
}

/** The holder's Slack account, by any of their addresses: a live one first. */
async function holderIn(slack: SlackPeople, s: SubjectRow): Promise<SlackPerson | null> {
  let found: SlackPerson | null = null;
  for (const address of [s.email, ...s.aliases]) {
    if (!address) continue;
    const p = await slack.byEmail(address);
    if (p && (!found || (found.deleted && !p.deleted))) found = p;
  }
  return found;
}

/**
 * Finds each new holder in Slack (the approval-notify job of a filing, where Slack is): one to ask, or
 * nobody, and then the approver is asked at once. The notifier then sends the holders their message.
 */
export async function findHolders(core: ApprovalsCore, requestId: number): Promise<void> {
  if (!core.slack) return;
  const waiting = core.repo.subjects(requestId).filter((s) => s.state === "notice" && !s.holderSlackId);
  if (waiting.length === 0) return;
  const slack = peopleFor(core)!;
  for (const s of waiting) {
    const p = await holderIn(slack, s);
    const unreachable = !p
      ? `${s.name} has no Slack account to ask`
      : p.deleted
        ? `${s.name}'s Slack account is deactivated (a leaver): they are not asked`
        : p.bot
          ? `${s.name}'s address belongs to a bot in Slack: nobody to ask`
          : null;
    if (unreachable) {
      core.move(s, ["notice"], "pending", `${unreachable}; ${decidesNow(s)}`);
      continue;
    }
    if (core.repo.annotate(s.id, "notice", { holderSlackId: p!.userId }))
      core.repo.note(s.id, {
        actor: "gongops",
        why: `asked the seat holder <@${p!.userId}> first, until ${s.noticeUntil ?? "the notice ends"}`,
        now: core.now(),
      });
  }
}

function decidesNow(s: SubjectRow): string {
  if (s.approverKind === "user") return `${s.approverName} decides now`;
  if (s.approverKind === "channel") return "the approvals channel decides now";
  return "their approver decides now";
}

/** The notice ended (the approval-timer job): whoever did not answer goes to their approver. */
export function noticeOver(core: ApprovalsCore, requestId: number): void {
  const days = noticeDays(core);
  for (const s of core.repo.subjects(requestId).filter((x) => x.state === "notice"))
    core.move(
      s,
      ["notice"],
      "pending",
      `the seat holder did not answer in ${days} day${days === 1 ? "" : "s"}; ${decidesNow(s)}`,
    );
}

/** Why `slackUserId` may not answer for subject `id` now (null: they may). */
export function holderRefusal(core: ApprovalsCore, id: number, slackUserId: string): string | null {
  const s = core.repo.subject(id);
  if (!s?.holderSlackId) return "there is no such question for you";
  if (s.holderSlackId !== slackUserId) return "only the seat holder answers this";
  if (s.state !== "notice") {
    const request = core.repo.request(s.requestId)!;
    return `this was settled already: ${stateLabel(s.state, core.isDryRun(request))}`;
  }
  return null;
}

export type HolderAnswer = { ok: true; subject: SubjectRow } | { ok: false; message: string };

/** "I still need it": kept, with the holder's reason; their approver is never asked. */
export function holderKeeps(
  core: ApprovalsCore,
  input: { subjectId: number; slackUserId: string; reason: string },
): HolderAnswer {
  const refused = holderRefusal(core, input.subjectId, input.slackUserId);
  if (refused) return { ok: false, message: refused };
  const reason = input.reason.trim();
  if (!reason)
    return { ok: false, message: "say why you still need it: the reason is kept with your answer" };
  return answer(core, input.subjectId, input.slackUserId, "kept", reason);
}

/** "Release it": the holder's consent; the seat goes under the usual checks, cap and dry run. */
export function holderReleases(
  core: ApprovalsCore,
  input: { subjectId: number; slackUserId: string },
): HolderAnswer {
  const refused = holderRefusal(core, input.subjectId, input.slackUserId);
  if (refused) return { ok: false, message: refused };
  return answer(core, input.subjectId, input.slackUserId, "released", null);
}

function answer(
  core: ApprovalsCore,
  subjectId: number,
  slackUserId: string,
  said: "kept" | "released",
  reason: string | null,
): HolderAnswer {
  const now = core.now();
  const row = core.repo.tx((tx) => {
    const moved = core.transition(tx, {
      subjectId,
      from: ["notice"],
      to: said === "kept" ? "kept" : "approved",
      actor: `<@${slackUserId}> (the seat holder)`,
      why:
        said === "kept"
          ? `the seat holder still needs it: ${reason}`
          : "the seat holder released it (their consent); the checks before a change, the daily cap and dry run still apply",
      set: {
        decidedBy: slackUserId,
        decidedAt: now.toISOString(),
        holderAnswer: said,
        stateReason: said === "kept" ? reason : "released by the seat holder",
        waitingNote: null,
      },
      now,
    });
    if (!moved) return null;
    if (said === "released")
      enqueueJob(
        core.deps.jobs,
        core.jobs.execute,
        { subjectId },
        { tx, now, idempotencyKey: `approval-execute:${subjectId}` },
      );
    core.enqueueNotify(tx, {
      kind: "changed",
      requestId: moved.requestId,
      subjectIds: [subjectId],
      summary: `${moved.name}: ${said === "kept" ? "kept by the seat holder" : "released by the seat holder"}`,
    });
    return moved;
  });
  if (!row) return { ok: false, message: holderRefusal(core, subjectId, slackUserId) ?? "try again" };
  core.log.info(`the seat holder ${said === "kept" ? "kept" : "released"} their Gong seat`, {
    subject: subjectId,
    request: row.requestId,
  });
  core.wake();
  return { ok: true, subject: row };
}
