import { utcDay } from "../clock.js";
import type { SubjectRow, TrailRow } from "../store/approvals.repo.js";
import type { ApprovalsCore } from "./core.js";
import { isOpen } from "./states.js";
import { actorWords, DAY_MS, type RequestView } from "./types.js";

/** Reading requests: what the faces show (views, lists, the trail, today's cap, recent failures). */

export function view(core: ApprovalsCore, requestId: number): RequestView | null {
  const row = core.repo.request(requestId);
  if (!row) return null;
  // Who asked, as it is written now (types.ts actorWords), whenever the request was stored.
  const request = { ...row, requestedBy: actorWords(row.requestedBy) };
  return { request, subjects: core.repo.subjects(requestId), dryRun: core.isDryRun(row) };
}

export function list(core: ApprovalsCore, options: { open?: boolean; limit?: number } = {}): RequestView[] {
  return core.repo
    .requests(options.limit ?? 50)
    .map((r) => view(core, r.id)!)
    .filter((v) => !options.open || v.subjects.some((s) => isOpen(s.state)));
}

export function trail(
  core: ApprovalsCore,
  options: { since?: Date; userId?: string; requestId?: number } = {},
): TrailRow[] {
  const subjectIds =
    options.userId === undefined ? undefined : core.repo.subjectsOfUser(options.userId).map((s) => s.id);
  return core.repo
    .trail({ since: options.since?.toISOString(), subjectIds, requestId: options.requestId })
    .map((t) => ({ ...t, actor: actorWords(t.actor), why: actorWords(t.why) }));
}

/** Today's PATCHes against the cap. */
export function capToday(core: ApprovalsCore): { day: string; used: number; cap: number } {
  const day = utcDay(core.clock.now());
  return { day, used: core.repo.dailyUsed(day), cap: core.settings.maxPerDay };
}

/** Failures of the last week, newest first (for the admins' overview). */
export function failedRecently(core: ApprovalsCore, days = 7): SubjectRow[] {
  const since = new Date(core.clock.now() - days * DAY_MS).toISOString();
  return core.repo
    .subjectsIn(["failed"])
    .filter((s) => s.updatedAt >= since)
    .reverse();
}

/** Subjects waiting for a Slack user's decision. */
export function pendingFor(core: ApprovalsCore, slackUserId: string): SubjectRow[] {
  return core.repo
    .subjectsIn(["pending"])
    .filter((s) => s.approverKind === "user" && s.approverSlackId === slackUserId);
}
