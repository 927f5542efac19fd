import { toCsv, toCsvInChunks } from "../csv.js";
import { addDays, type LookBack, lookBack, lookBackWords } from "../gong/days.js";
import type { ActivityCounts } from "../gong/schemas.js";
import { inChunks } from "../pace.js";
import type { AuditRunRow, AuditSubjectRow, AuditWindowRow } from "../store/audits.repo.js";
import { describeActivity } from "./activity.js";

/**
 * The audit's answer, built from what SQLite holds about a run (so a report can be shown again later,
 * and means the same thing whether the run was resumed or not). Only a finished run lists inactive
 * users: a paused or failed one says how far it got and nothing that could pass for a result.
 */
export interface InactiveUser {
  id: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  title: string | null;
  managerId: string | null;
  created: string | null;
}

/** A flagged user, with what is known of their use of Gong. */
export interface FlaggedUser extends InactiveUser {
  /** The latest hosted call any audit saw (an earlier, longer look-back may know one); null if none. */
  lastHostedCall: string | null;
  /** "any" runs: the counts Gong sent for the days of the run (null: it listed nothing); "hosted": null. */
  activity: ActivityCounts | null;
}

/** "any" runs: a candidate not flagged because of activity other than hosting, and what it was. */
export interface ActiveUser {
  id: string;
  email: string | null;
  /** "listened to 14 calls, filled 3 scorecards" */
  reason: string;
  activity: ActivityCounts | null;
}

export interface ExemptUser {
  id: string;
  email: string | null;
  reason: string;
}

export interface AuditReport {
  runId: number;
  status: AuditRunRow["status"];
  from: string;
  to: string;
  lookbackDays: number;
  /**
   * The look-back's days (gong/days.ts `lookBack`), as every message states them: "any" runs in the
   * company's zone, as they were counted; "hosted" runs, which count instants and never learn the
   * zone, name the days of those instants in UTC.
   */
  lookBack: LookBack;
  /** What counted as activity. */
  rule: "hosted" | "any";
  /** Exactly which days and instants counted, in words. */
  days: string;
  /** "any": the company time zone and the statistics' days [fromDate, toDate). */
  timeZone: string | null;
  fromDate: string | null;
  toDate: string | null;
  inactive: FlaggedUser[];
  /** "any": candidates kept because of activity other than hosting, with the reason. */
  activeOtherThanHosting: ActiveUser[];
  exempt: ExemptUser[];
  summary: {
    rule: "hosted" | "any";
    candidates: number;
    inactive: number;
    exempt: number;
    apiRequests: number;
    strategy: string;
  };
  startedAt: string;
  finishedAt: string | null;
  /** When the directory snapshot the run read was synced (how old its list of users is). */
  directorySyncedAt: string | null;
  durationMs: number;
  /** Candidates settled so far (all of them once finished). */
  settled: number;
  windows: {
    from: string;
    to: string;
    strategy: string | null;
    done: boolean;
    totalRecords: number | null;
    requests: number;
  }[];
  resumeAt: string | null;
  error: string | null;
}

/** Which days and instants a run counted, in words (the README says the same). */
export function describeDays(
  run: Pick<AuditRunRow, "activityRule" | "fromAt" | "toAt" | "timeZone" | "fromDate" | "toDate">,
  callsFrom: string,
): string {
  if (run.activityRule === "any" && run.timeZone && run.fromDate && run.toDate) {
    const today =
      callsFrom < run.toAt ? `, and calls hosted from ${callsFrom} up to ${run.toAt} (today so far)` : "";
    return (
      `any activity on the whole days ${run.fromDate} to ${addDays(run.toDate, -1)} in ${run.timeZone} ` +
      `(Gong's activity statistics, which end before today)${today}`
    );
  }
  return `calls hosted from ${run.fromAt} (inclusive) up to ${run.toAt} (exclusive)`;
}

/** A run's look-back days: those it counted ("any"), or those its instants fall on in UTC ("hosted"). */
export function lookBackOf(
  run: Pick<AuditRunRow, "toAt" | "lookbackDays" | "timeZone" | "fromDate" | "toDate">,
): LookBack {
  if (run.timeZone && run.fromDate && run.toDate)
    return { timeZone: run.timeZone, firstDay: run.fromDate, lastDay: run.toDate };
  return lookBack(Date.parse(run.toAt), run.lookbackDays, "UTC");
}

/**
 * The look-back as a summary states it: "the 90-day look-back, 2026-09-03 to 2026-12-02 (UTC)". The CSV's
 * title and the digest say the same through `lookBackWords`.
 */
export function lookBackPhrase(r: Pick<AuditReport, "lookbackDays" | "lookBack">): string {
  return `the ${r.lookbackDays}-day look-back, ${lookBackWords(r.lookBack)}`;
}

/** The inactive users' CSV as Slack titles it: "Inactive Gong users, the 90-day look-back, …". */
export function inactiveCsvTitle(r: Pick<AuditReport, "lookbackDays" | "lookBack">): string {
  return `Inactive Gong users, ${lookBackPhrase(r)}`;
}

/** localeCompare's own order (the default locale), without building a collator per comparison. */
const byText = new Intl.Collator().compare;

export function buildReport(
  run: AuditRunRow,
  windows: AuditWindowRow[],
  subjects: AuditSubjectRow[],
  lastCalls: ReadonlyMap<string, string> = new Map(),
  directorySyncedAt: string | null = null,
): AuditReport {
  const fullMask = 2 ** windows.length - 1;
  const any = run.activityRule === "any";
  const candidates = subjects.filter((s) => s.kind === "candidate");
  const finished = run.status === "succeeded";
  // Inactive: no hosted call, every window cleared, and under "any" the statistics answered and were empty.
  const isSettled = (s: AuditSubjectRow) =>
    s.hostedCall || s.activitySeen || (s.clearedMask === fullMask && (!any || s.activityChecked));
  const callsFrom = windows.length > 0 ? windows.map((w) => w.fromAt).sort()[0]! : run.toAt;
  const inactive = finished
    ? candidates
        .filter((s) => !s.hostedCall && !s.activitySeen && isSettled(s))
        .map((s) => ({
          id: s.userId,
          email: s.email,
          firstName: s.firstName,
          lastName: s.lastName,
          title: s.title,
          managerId: s.managerId,
          created: s.created,
          lastHostedCall: lastCalls.get(s.userId) ?? null,
          activity: any ? (s.activity ?? {}) : null,
        }))
        .sort((a, b) => byText(a.email ?? a.id, b.email ?? b.id))
    : [];
  const activeOtherThanHosting = any
    ? candidates
        .filter((s) => s.activitySeen && !s.hostedCall && !((s.activity?.callsAsHost ?? 0) > 0))
        .map((s) => ({
          id: s.userId,
          email: s.email,
          reason: describeActivity(s.activity ?? {}, { exceptHosting: true }),
          activity: s.activity ?? null,
        }))
        .sort((a, b) => byText(a.email ?? a.id, b.email ?? b.id))
    : [];
  const exempt = subjects
    .filter((s) => s.kind === "exempt")
    .map((s) => ({ id: s.userId, email: s.email, reason: s.reason ?? "exempt" }))
    .sort((a, b) => byText(a.email ?? a.id, b.email ?? b.id));
  return {
    runId: run.id,
    status: run.status,
    from: run.fromAt,
    to: run.toAt,
    lookbackDays: run.lookbackDays,
    lookBack: lookBackOf(run),
    rule: run.activityRule,
    days: describeDays(run, callsFrom),
    timeZone: run.timeZone,
    fromDate: run.fromDate,
    toDate: run.toDate,
    inactive,
    activeOtherThanHosting,
    exempt,
    summary: {
      rule: run.activityRule,
      candidates: candidates.length,
      inactive: inactive.length,
      exempt: exempt.length,
      apiRequests: run.requestsUsed,
      strategy: run.strategyUsed ?? run.strategyRequested,
    },
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    directorySyncedAt,
    durationMs: run.activeMs,
    settled: candidates.filter(isSettled).length,
    windows: windows.map((w) => ({
      from: w.fromAt,
      to: w.toAt,
      strategy: w.strategy,
      done: w.status === "done",
      totalRecords: w.totalRecords,
      requests: w.requestsUsed,
    })),
    resumeAt: run.resumeAt,
    error: run.error,
  };
}

const CSV_COLUMNS = [
  "id",
  "email",
  "firstName",
  "lastName",
  "title",
  "managerId",
  "managerName",
  "managerEmail",
  "created",
  "lastActivity",
] as const;

/** A manager as the CSV shows them: their name (told apart from namesakes) and email. */
export type ManagerInfo = { name: string; email: string | null };

/**
 * What the report knows of a flagged user's last use of Gong, in words: the latest hosted call any audit
 * saw, or that there was none in the look-back (which is why they are listed), never "not known".
 */
export function lastActivityWords(r: Pick<AuditReport, "lookbackDays" | "rule">, u: FlaggedUser): string {
  if (u.lastHostedCall) return `hosted a call ${u.lastHostedCall.slice(0, 10)}`;
  return `none in ${r.lookbackDays} days`;
}

/**
 * The inactive users as CSV: who, their manager by name and email, and what is known of their last
 * activity. Under "any" no activity count is listed: an inactive user's counts are all 0 by definition.
 */
export function inactiveCsv(r: AuditReport, managers: ReadonlyMap<string, ManagerInfo> = new Map()): string {
  return toCsv(
    r.inactive.map((u) => csvRow(r, u, managers)),
    [...CSV_COLUMNS],
  );
}

/** The same, built a chunk of rows at a time between turns of the event loop (the Slack app). */
export async function inactiveCsvInChunks(
  r: AuditReport,
  managers: ReadonlyMap<string, ManagerInfo> = new Map(),
): Promise<string> {
  const rows: CsvRow[] = [];
  await inChunks(r.inactive, (chunk) => {
    for (const u of chunk) rows.push(csvRow(r, u, managers));
  });
  return toCsvInChunks(rows, [...CSV_COLUMNS]);
}

type CsvRow = FlaggedUser & { managerName: string; managerEmail: string; lastActivity: string };

function csvRow(r: AuditReport, u: FlaggedUser, managers: ReadonlyMap<string, ManagerInfo>): CsvRow {
  const m = u.managerId ? managers.get(u.managerId) : undefined;
  return {
    ...u,
    managerName: m?.name ?? "",
    managerEmail: m?.email ?? "",
    lastActivity: lastActivityWords(r, u),
  };
}
