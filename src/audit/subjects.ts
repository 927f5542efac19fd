import { DAY_MS } from "../gong/windows.js";
import { ChunkPacer, inChunks } from "../pace.js";
import { describeRule, type ExemptRule, exemptionMatcher } from "./exemptions.js";

/**
 * Who the audit looks at. Candidates are the users Gong marks active; some are set aside, with the
 * reason, and never flagged: users created inside the grace period, users on the exempt list, users
 * someone chose to keep (the keep cool-down), and (when asked) managers with active reports. Users Gong marks inactive hold no seat and are not audited;
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
  /** Users kept by their holder or approver within the cool-down, with "kept until …, by …: …". */
  kept?: ReadonlyMap<string, string>;
}

export interface Subjects {
  candidates: DirectoryPerson[];
  /** `newcomer`: set aside as new, yet created at least `onboardingDays` ago (their activity is read). */
  exempt: (DirectoryPerson & { reason: string; newcomer?: boolean })[];
}

export function selectSubjects(people: readonly DirectoryPerson[], opts: SubjectRules): Subjects {
  const selection = new SubjectSelection(opts);
  selection.countReports(people);
  selection.classify(people);
  return selection.subjects;
}

/** The same, a chunk at a time between turns of the event loop (an audit of a large org). */
export async function selectSubjectsInChunks(
  people: readonly DirectoryPerson[],
  opts: SubjectRules,
): Promise<Subjects> {
  const selection = new SubjectSelection(opts);
  await inChunks(people, (chunk) => selection.countReports(chunk), new ChunkPacer(1000));
  await inChunks(people, (chunk) => selection.classify(chunk), new ChunkPacer(1000));
  return selection.subjects;
}

/** Two passes over everyone: managers' active reports first (a rule needs them), then each person. */
class SubjectSelection {
  readonly subjects: Subjects = { candidates: [], exempt: [] };
  private readonly match: (p: DirectoryPerson) => ExemptRule | null;
  private readonly graceStart: number;
  private readonly activeReports = new Map<string, number>();

  constructor(private readonly opts: SubjectRules) {
    this.match = exemptionMatcher(opts.rules);
    this.graceStart = opts.now.getTime() - opts.graceDays * DAY_MS;
  }

  countReports(people: readonly DirectoryPerson[]): void {
    for (const p of people) {
      if (p.active === true && p.managerId && p.managerId !== p.id) {
        this.activeReports.set(p.managerId, (this.activeReports.get(p.managerId) ?? 0) + 1);
      }
    }
  }

  classify(people: readonly DirectoryPerson[]): void {
    for (const p of people) {
      if (p.active === false) continue;
      const reason = this.reasonToSkip(p);
      if (reason)
        this.subjects.exempt.push({ ...p, reason, ...(this.isNewcomer(p) ? { newcomer: true } : {}) });
      else this.subjects.candidates.push(p);
    }
  }

  /** Set aside as new, yet created at least `onboardingDays` ago: a newcomer to watch (leavers/). */
  private isNewcomer(p: DirectoryPerson): boolean {
    const { onboardingDays, now } = this.opts;
    if (onboardingDays === undefined || p.active !== true) return false;
    const created = p.created ? Date.parse(p.created) : Number.NaN;
    return created >= this.graceStart && created <= now.getTime() - onboardingDays * DAY_MS;
  }

  private reasonToSkip(p: DirectoryPerson): string | null {
    const { opts } = this;
    if (p.active !== true) return "Gong did not say whether this user is active";
    const created = p.created ? Date.parse(p.created) : Number.NaN;
    if (!Number.isNaN(created) && created >= this.graceStart) {
      return `created ${p.created!.slice(0, 10)}, inside the ${opts.graceDays}-day grace period`;
    }
    const rule = this.match(p);
    if (rule) return describeRule(rule);
    const kept = opts.kept?.get(p.id);
    if (kept) return kept;
    const reports = this.activeReports.get(p.id) ?? 0;
    if (opts.exemptManagers && reports > 0)
      return `manages ${reports} active user${reports === 1 ? "" : "s"}`;
    return null;
  }
}
