import { describeActivity } from "../audit/activity.js";
import { addDays, zonedDate } from "../gong/days.js";
import { activityCounts, hasActivity } from "../gong/schemas.js";
import type { RequestRow, SubjectRow } from "../store/approvals.repo.js";
import type { ApprovalsCore } from "./core.js";

/**
 * The checks that come before every change (PATCH, DELETE) and every undo, on every attempt, from
 * Gong's current record for the subject's Gong id, never from the snapshot the request was filed from:
 *
 * - the person is their Gong id: that record must exist, be active, and still carry the email that was
 *   filed (an address can move to someone else; SCIM and the IdPs find users by it);
 * - no activity under the audit's own rule since the audit (hosted calls; under "any" also listening,
 *   scoring, commenting… from Gong's activity statistics);
 * - not reactivated in Gong since the audit (an admin turned them back on: their call, not ours).
 *
 * Returns why the subject must be left alone (null: go ahead). `inactiveOk`: an earlier attempt may
 * already have deactivated them, so an inactive record is not a reason to stop (the way out says).
 */
export async function whyNotNow(
  core: ApprovalsCore,
  s: SubjectRow,
  request: RequestRow,
  options: { inactiveOk: boolean },
): Promise<string | null> {
  const identity = await identityProblem(core, s, options);
  if (identity !== null) return identity || null;
  const back = reactivatedSince(core, s.userId, evidenceEnd(s, request));
  if (back)
    return `${s.name} was reactivated in Gong since the audit (seen by the directory sync of ${back})`;
  return activeSince(core, s, request);
}

/**
 * Gong's current record for the subject's id: it must exist and still carry the email that was filed
 * (the way out finds users by it). Returns why not, "" for "inactive, and that is fine here" (stop
 * looking: an inactive user hosts nothing), or null when the record is active and carries the email.
 */
export async function identityProblem(
  core: ApprovalsCore,
  s: SubjectRow,
  options: { inactiveOk: boolean },
): Promise<string | null> {
  const { gong } = core.deps;
  if (!gong) return null;
  const user = await gong.getUser(s.userId);
  if (!user) return `${s.name} (Gong id ${s.userId}) is no longer in Gong`;
  const email = user.emailAddress?.toLowerCase() ?? null;
  if (!s.email || email !== s.email.toLowerCase())
    return (
      `${s.name}'s Gong record (id ${s.userId}) no longer carries ${s.email}` +
      `${email ? ` (it now has ${email})` : ""}: the address may belong to someone else now, so nobody is changed`
    );
  if (user.active !== true) return options.inactiveOk ? "" : `${s.name} is no longer active in Gong`;
  return null;
}

/** The end of the evidence the subject was filed on (its own; older subjects have the request's). */
function evidenceEnd(s: SubjectRow, request: RequestRow): string {
  return s.activitySince ?? request.activitySince;
}

/** When a directory sync after `since` saw the user reactivated, if one did. */
function reactivatedSince(core: ApprovalsCore, userId: string, since: string): string | null {
  const seen = core.deps.syncRuns.changesOfUser(userId, "reactivated", since);
  return seen[0]?.at ?? null;
}

/** What the subject did since the audit, under the audit's rule (null: nothing). */
async function activeSince(core: ApprovalsCore, s: SubjectRow, request: RequestRow): Promise<string | null> {
  const gong = core.deps.gong!;
  const from = new Date(evidenceEnd(s, request));
  const to = core.now();
  if (to <= from) return null;
  let latest: string | null = null;
  for await (const call of gong.callsExtensive({ from, to, primaryUserIds: [s.userId] })) {
    if (call.primaryUserId !== s.userId) continue;
    const at = call.started ?? call.scheduled ?? null;
    if (at && (!latest || at > latest)) latest = at;
    if (!at && !latest) latest = "an unknown date";
  }
  if (latest) return `${s.name} hosted a call on ${latest.slice(0, 10)}, after the audit`;
  const auditRunId = s.activitySince ? s.auditRunId : request.auditRunId;
  const audit = auditRunId ? core.deps.audits.get(auditRunId) : undefined;
  const rule = audit?.activityRule ?? core.deps.activityRule ?? "hosted";
  if (rule !== "any") return null;
  // Whole company days from the first day the audit's statistics did not cover, to yesterday (Gong
  // refuses a toDate after today, and counts today only tomorrow): today's hosted calls are above.
  const zone = audit?.timeZone ?? (await core.deps.activity?.timeZoneIfAny());
  if (!zone) return null;
  const fromDate = audit?.toDate ?? zonedDate(from, zone);
  const toDate = zonedDate(to, zone);
  if (fromDate >= toDate) return null;
  const pager = gong.activityPages({ fromDate, toDate, userIds: [s.userId] });
  for await (const record of pager) {
    if (record.userId !== s.userId) continue;
    const counts = activityCounts(record);
    if (hasActivity(counts))
      return `${s.name} was active in Gong between ${fromDate} and ${addDays(toDate, -1)} (${describeActivity(counts)}), after the audit`;
  }
  pager.ensureComplete();
  return null;
}
