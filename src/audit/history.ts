import type { AuditRunRow, AuditsRepo } from "../store/audits.repo.js";
import type { LocksRepo } from "../store/locks.repo.js";
import { utcMinute } from "../time.js";
import { AUDIT_LOCK } from "./audit.service.js";

/**
 * Past audits as a person should read them. The database says "running" for a run whose process died
 * (kill -9, a crash, a power cut); only a run holding the audit lock is running, the others are
 * "interrupted" and wait for --resume. Needs no Gong credentials.
 */
export type AuditHistoryRow = AuditRunRow & { state: string };

export function historyStatus(r: AuditRunRow, lockHeld: boolean, newestRunning: number | null): string {
  if (r.status === "running" && !(lockHeld && r.id === newestRunning)) return "interrupted";
  if (r.status === "paused" && r.resumeAt) return `paused until ${utcMinute(r.resumeAt)}`;
  return r.status;
}

export class AuditHistory {
  constructor(private readonly deps: { audits: AuditsRepo; locks: LocksRepo }) {}

  list(limit: number): AuditHistoryRow[] {
    const lockHeld = this.deps.locks.holderOf(AUDIT_LOCK) !== null;
    const rows = this.deps.audits.history(limit);
    const newestRunning = rows.find((r) => r.status === "running")?.id ?? null;
    return rows.map((r) => ({ ...r, state: historyStatus(r, lockHeld, newestRunning) }));
  }
}
