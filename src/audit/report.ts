import type { AuditRunRow, AuditSubjectRow, AuditWindowRow } from "../store/audits.repo.js";

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
  inactive: InactiveUser[];
  exempt: ExemptUser[];
  summary: {
    candidates: number;
    inactive: number;
    exempt: number;
    apiRequests: number;
    strategy: string;
  };
  startedAt: string;
  finishedAt: string | null;
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

export function buildReport(
  run: AuditRunRow,
  windows: AuditWindowRow[],
  subjects: AuditSubjectRow[],
): AuditReport {
  const fullMask = 2 ** windows.length - 1;
  const candidates = subjects.filter((s) => s.kind === "candidate");
  const finished = run.status === "succeeded";
  const inactive = finished
    ? candidates
        .filter((s) => !s.hostedCall && s.clearedMask === fullMask)
        .map((s) => ({
          id: s.userId,
          email: s.email,
          firstName: s.firstName,
          lastName: s.lastName,
          title: s.title,
          managerId: s.managerId,
          created: s.created,
        }))
        .sort((a, b) => (a.email ?? a.id).localeCompare(b.email ?? b.id))
    : [];
  const exempt = subjects
    .filter((s) => s.kind === "exempt")
    .map((s) => ({ id: s.userId, email: s.email, reason: s.reason ?? "exempt" }))
    .sort((a, b) => (a.email ?? a.id).localeCompare(b.email ?? b.id));
  return {
    runId: run.id,
    status: run.status,
    from: run.fromAt,
    to: run.toAt,
    lookbackDays: run.lookbackDays,
    inactive,
    exempt,
    summary: {
      candidates: candidates.length,
      inactive: inactive.length,
      exempt: exempt.length,
      apiRequests: run.requestsUsed,
      strategy: run.strategyUsed ?? run.strategyRequested,
    },
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    durationMs: run.activeMs,
    settled: candidates.filter((s) => s.hostedCall || s.clearedMask === fullMask).length,
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
