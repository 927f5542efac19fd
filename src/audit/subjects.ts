import { DAY_MS } from "../gong/windows.js";
import { describeRule, type ExemptRule, exemptionMatcher } from "./exemptions.js";

/**
 * Who the audit looks at. Candidates are the users Gong marks active; some are set aside, with the
 * reason, and never flagged: users created inside the grace period, users on the exempt list, and (when
 * asked) managers with active reports. Users Gong marks inactive hold no seat and are not audited;
 * users whose active state Gong did not send are set aside too, so nobody is flagged on a guess.
 */
export interface DirectoryPerson {
  id: string;
  email: string | null;
  aliases: readonly string[];
  firstName: string | null;
  lastName: string | null;
  title: string | null;
  active: boolean | null;
  managerId: string | null;
  created: string | null;
}

export interface SubjectRules {
  now: Date;
  graceDays: number;
  rules: readonly ExemptRule[];
  exemptManagers: boolean;
  /** New users at least this old are newcomers to watch (GONGOPS_ONBOARDING_DAYS; leavers/). */
  onboardingDays?: number;
}

export interface Subjects {
  candidates: DirectoryPerson[];
  /** `newcomer`: set aside as new, yet created at least `onboardingDays` ago (their activity is read). */
  exempt: (DirectoryPerson & { reason: string; newcomer?: boolean })[];
}

export function selectSubjects(people: readonly DirectoryPerson[], opts: SubjectRules): Subjects {
  const match = exemptionMatcher(opts.rules);
  const graceStart = opts.now.getTime() - opts.graceDays * DAY_MS;
  const activeReports = new Map<string, number>();
  for (const p of people) {
    if (p.active === true && p.managerId && p.managerId !== p.id) {
      activeReports.set(p.managerId, (activeReports.get(p.managerId) ?? 0) + 1);
    }
  }
  const out: Subjects = { candidates: [], exempt: [] };
  for (const p of people) {
    if (p.active === false) continue;
    const reason = reasonToSkip(p);
    if (reason) out.exempt.push({ ...p, reason, ...(isNewcomer(p) ? { newcomer: true } : {}) });
    else out.candidates.push(p);
  }
  return out;

  function isNewcomer(p: DirectoryPerson): boolean {
    if (opts.onboardingDays === undefined || p.active !== true) return false;
    const created = p.created ? Date.parse(p.created) : Number.NaN;
    return created >= graceStart && created <= opts.now.getTime() - opts.onboardingDays * DAY_MS;
  }

  function reasonToSkip(p: DirectoryPerson): string | null {
    if (p.active !== true) return "Gong did not say whether this user is active";
    const created = p.created ? Date.parse(p.created) : Number.NaN;
    if (!Number.isNaN(created) && created >= graceStart) {
      return `created ${p.created!.slice(0, 10)}, inside the ${opts.graceDays}-day grace period`;
    }
    const rule = match(p);
    if (rule) return describeRule(rule);
    const reports = activeReports.get(p.id) ?? 0;
    if (opts.exemptManagers && reports > 0)
      return `manages ${reports} active user${reports === 1 ? "" : "s"}`;
    return null;
  }
}
