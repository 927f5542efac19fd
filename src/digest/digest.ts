import type { AuditReport, InactiveUser } from "../audit/report.js";
import { type LookBack, lookBack } from "../gong/days.js";
import type { ChangeRow } from "../store/syncRuns.repo.js";
import { utcMinute } from "../time.js";

/**
 * The audit digest as data: what a finance or RevOps lead reads in ten seconds. Built here, rendered
 * apart (Block Kit in slack/blocks/digest.ts, the terminal in digest/render.ts), so both say the same.
 */
export interface DigestPerson {
  id: string;
  name: string;
  email: string | null;
  title: string | null;
  managerId: string | null;
  managerName: string | null;
}

export interface DigestChange {
  id: string;
  name: string;
  before: string | null;
  after: string | null;
}

export interface PendingApprovals {
  count: number;
  /** Age of the oldest pending request, in hours. */
  oldestHours: number | null;
}

/** A leaver as a digest lists them (leavers/): still holding a Gong seat after leaving. */
export interface DigestLeaver {
  id: string;
  name: string;
  email: string;
  managerName: string | null;
  source: "slack" | "okta" | "entra";
  since: string | null;
}

/** A stuck newcomer (leavers/newcomers.ts): created a while ago, no activity since. */
export interface DigestNewcomer {
  id: string;
  name: string;
  email: string | null;
  created: string;
  daysSinceCreated: number;
}

export interface Digest {
  generatedAt: string;
  /**
   * Listed first: Gong-active people who left the company (deactivated in Slack or the IdP), from the
   * last leavers check, and what their seats cost a year. Null when nobody checked for leavers.
   */
  leavers?: {
    people: DigestLeaver[];
    yearlyCost: { amount: number; currency: string } | null;
    checkedAt: string;
  } | null;
  /** Stuck newcomers of this digest's audit (they may lack a Gong role or license); null: not known. */
  newcomers?: DigestNewcomer[] | null;
  lookbackDays: number;
  /** The look-back's days, as its audit counted them (digests stored before it was recorded: none). */
  lookBack?: LookBack;
  /** What counted as activity ("any" or "hosted"); digests saved before it was recorded are "hosted". */
  rule?: "any" | "hosted";
  auditRunId: number;
  snapshotGen: number;
  /**
   * When that snapshot was synced: the digest's audit syncs for itself, a resumed one may be older.
   * (Digests stored before it was recorded have none.)
   */
  directorySyncedAt?: string | null;
  headline: {
    inactive: number;
    activeUsers: number;
    /** Only when GONGOPS_SEAT_PRICE_PER_YEAR is set. */
    yearlyCost: { amount: number; currency: string; perSeat: number } | null;
  };
  /** What changed since the previous digest; null for the first one. */
  since: {
    previousAt: string;
    newlyInactive: DigestPerson[];
    backInUse: DigestPerson[];
    deactivated: DigestChange[];
    joined: DigestChange[];
    left: DigestChange[];
    managerChanged: DigestChange[];
    /** Only when an approvals service is wired in. */
    pendingApprovals: PendingApprovals | null;
  } | null;
  /** Managers with the most inactive direct reports, most first. */
  topManagers: { id: string; name: string; inactiveReports: number }[];
  /** Everyone inactive, for the CSV. */
  inactive: DigestPerson[];
  /** Active users left alone because someone chose to keep them: "kept until …, by …: …". */
  kept?: { id: string; name: string; words: string }[];
  /** Anything to say beyond the headline (always true for a first digest). */
  news: boolean;
}

export interface Person {
  id: string;
  name: string;
  active: boolean | null;
  managerId: string | null;
}

export interface DigestInput {
  now: Date;
  report: AuditReport;
  snapshotGen: number;
  /** Everyone in the audit's directory snapshot, by id. */
  people: ReadonlyMap<string, Person>;
  previous: { createdAt: Date; inactiveIds: readonly string[] } | null;
  /** Directory changes since the previous digest's snapshot. */
  changes: readonly ChangeRow[];
  price: { perYear: number; currency: string } | null;
  pendingApprovals: PendingApprovals | null;
  /** Who is kept (approvals' keep cool-down), by Gong id, with the words. */
  kept?: ReadonlyMap<string, string>;
  topManagers?: number;
  leavers?: Digest["leavers"];
  newcomers?: Digest["newcomers"];
}

function nameOf(u: {
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  id: string;
}): string {
  return [u.firstName, u.lastName].filter(Boolean).join(" ") || u.email || u.id;
}

function change(c: ChangeRow): DigestChange {
  return { id: c.userId, name: c.name ?? c.userId, before: c.before, after: c.after };
}

export function buildDigest(input: DigestInput): Digest {
  const { report, people, previous } = input;
  const person = (u: InactiveUser): DigestPerson => ({
    id: u.id,
    name: nameOf(u),
    email: u.email,
    title: u.title,
    managerId: u.managerId,
    managerName: u.managerId ? (people.get(u.managerId)?.name ?? null) : null,
  });
  const inactive = report.inactive.map(person);
  const activeUsers = [...people.values()].filter((p) => p.active === true).length;
  let since: Digest["since"] = null;
  if (previous) {
    const before = new Set(previous.inactiveIds);
    const now = new Set(inactive.map((p) => p.id));
    const of = (kind: ChangeRow["kind"]) => input.changes.filter((c) => c.kind === kind).map(change);
    since = {
      previousAt: previous.createdAt.toISOString(),
      newlyInactive: inactive.filter((p) => !before.has(p.id)),
      backInUse: [...before]
        .filter((id) => !now.has(id) && people.get(id)?.active === true)
        .map((id) => {
          const p = people.get(id)!;
          return {
            id,
            name: p.name,
            email: null,
            title: null,
            managerId: p.managerId,
            managerName: p.managerId ? (people.get(p.managerId)?.name ?? null) : null,
          };
        })
        .sort((a, b) => a.name.localeCompare(b.name)),
      deactivated: of("deactivated"),
      joined: of("joined"),
      left: of("left"),
      managerChanged: of("manager_changed"),
      pendingApprovals: input.pendingApprovals,
    };
  }
  const byManager = new Map<string, number>();
  for (const p of inactive)
    if (p.managerId) byManager.set(p.managerId, (byManager.get(p.managerId) ?? 0) + 1);
  const topManagers = [...byManager]
    .map(([id, n]) => ({ id, name: people.get(id)?.name ?? id, inactiveReports: n }))
    .sort((a, b) => b.inactiveReports - a.inactiveReports || a.name.localeCompare(b.name))
    .slice(0, input.topManagers ?? 5);
  const s = since;
  const news =
    s === null ||
    [s.newlyInactive, s.backInUse, s.deactivated, s.joined, s.left, s.managerChanged].some(
      (l) => l.length > 0,
    );
  return {
    generatedAt: input.now.toISOString(),
    leavers: input.leavers ?? null,
    newcomers: input.newcomers ?? null,
    lookbackDays: report.lookbackDays,
    lookBack: report.lookBack,
    rule: report.rule,
    auditRunId: report.runId,
    snapshotGen: input.snapshotGen,
    directorySyncedAt: report.directorySyncedAt,
    headline: {
      inactive: inactive.length,
      activeUsers,
      yearlyCost: input.price
        ? {
            amount: inactive.length * input.price.perYear,
            currency: input.price.currency,
            perSeat: input.price.perYear,
          }
        : null,
    },
    since,
    topManagers,
    inactive,
    kept: [...(input.kept ?? [])]
      .filter(([id]) => people.get(id)?.active === true)
      .map(([id, words]) => ({ id, name: people.get(id)!.name, words }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    news,
  };
}

/** "€12,000" in the currency's own format. */
export function money(amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency, maximumFractionDigits: 0 }).format(
      amount,
    );
  } catch {
    return `${Math.round(amount)} ${currency}`;
  }
}

/** A digest's look-back days; one stored before they were recorded: its audit's day in UTC. */
export function digestLookBack(d: Pick<Digest, "lookBack" | "generatedAt" | "lookbackDays">): LookBack {
  return d.lookBack ?? lookBack(Date.parse(d.generatedAt), d.lookbackDays, "UTC");
}

/** The one short line of a digest with nothing new. */
export function noNewsLine(d: Digest): string {
  return `No change since the last digest: ${d.headline.inactive} of ${d.headline.activeUsers} active Gong users ${idleWords(d)} in ${d.lookbackDays} days${asOf(d)}.`;
}

/** Which directory the counts come from: a digest never passes off an old snapshot as Gong now. */
function asOf(d: Digest): string {
  return d.directorySyncedAt ? ` (Gong's users as of ${utcMinute(d.directorySyncedAt)} UTC)` : "";
}

export function headlineText(d: Digest): string {
  const cost = d.headline.yearlyCost;
  return `${d.headline.inactive} of ${d.headline.activeUsers} active Gong users ${idleWords(d)} in ${d.lookbackDays} days${cost ? ` — ${money(cost.amount, cost.currency)} a year in seats` : ""}${asOf(d)}.`;
}

/** What "inactive" meant for this digest, in words. */
export function idleWords(d: Pick<Digest, "rule">): string {
  return d.rule === "any" ? "showed no Gong activity" : "hosted no call";
}

/** "5 people left the company and still hold a Gong seat — $6,000 a year.", or null with none. */
export function leaversText(d: Pick<Digest, "leavers">): string | null {
  const l = d.leavers;
  if (!l || l.people.length === 0) return null;
  const n = l.people.length;
  return `${n} ${n === 1 ? "person left the company and still holds" : "people left the company and still hold"} a Gong seat${l.yearlyCost ? ` — ${money(l.yearlyCost.amount, l.yearlyCost.currency)} a year` : ""}.`;
}
