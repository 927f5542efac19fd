import { displayName } from "../directory/names.js";
import type { AuditRunRow, AuditSubjectRow, AuditsRepo } from "../store/audits.repo.js";

/**
 * Stuck newcomers: users created at least GONGOPS_ONBOARDING_DAYS before an audit, still inside its
 * grace period (so set aside, never flagged), with no activity of any kind since they were created.
 * SCIM creates a Gong user without a role or a license, and nothing reports it: the new hire holds a
 * seat they cannot use. The evidence is what the newest "any" audit read anyway (their creation date,
 * and the activity statistics it asked for them together with the candidates), so listing them costs
 * no request. They are never filed for deactivation: what to do is check their role and license.
 */
export interface Newcomer {
  id: string;
  email: string | null;
  name: string;
  title: string | null;
  managerId: string | null;
  /** ISO, as Gong sent it. */
  created: string;
  /** Whole days from creation to the audit's end. */
  daysSinceCreated: number;
}

export interface Newcomers {
  /** The audit they come from; null before any audit under the "any" rule finished. */
  audit: { id: number; finishedAt: string | null; lookbackDays: number } | null;
  newcomers: Newcomer[];
}

/** What the admins are told to check, in words (the DM, the digest, `gongops newcomers`). */
export const NEWCOMER_ADVICE =
  "may lack a Gong role or license: check in Gong (Company settings > Users) that they have a role (permission profile) and a license assigned";

const DAY_MS = 86_400_000;

/** The run's stuck newcomers: asked about (activity checked) and shown to have done nothing. */
export function newcomersOf(run: AuditRunRow, subjects: readonly AuditSubjectRow[]): Newcomer[] {
  const end = Date.parse(run.toAt);
  return subjects
    .filter((s) => s.kind === "exempt" && s.newcomer && s.activityChecked && !s.activitySeen && s.created)
    .map((s) => ({
      id: s.userId,
      email: s.email,
      name: displayName({ ...s, id: s.userId }),
      title: s.title,
      managerId: s.managerId,
      created: s.created!,
      daysSinceCreated: Math.floor((end - Date.parse(s.created!)) / DAY_MS),
    }))
    .sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
}

/** The stuck newcomers of the newest finished "any" audit (a run, when given). */
export function latestNewcomers(audits: AuditsRepo, runId?: number): Newcomers {
  const run = runId === undefined ? audits.latestSucceeded("any") : audits.get(runId);
  if (run?.status !== "succeeded" || run.activityRule !== "any") return { audit: null, newcomers: [] };
  return {
    audit: { id: run.id, finishedAt: run.finishedAt, lookbackDays: run.lookbackDays },
    newcomers: newcomersOf(run, audits.subjects(run.id, "exempt")),
  };
}
