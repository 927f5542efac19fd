import { AuditPausedError, type AuditService } from "../audit/audit.service.js";
import type { AuditReport } from "../audit/report.js";
import { type Clock, nowDate } from "../clock.js";
import { nameTeller } from "../directory/tellApart.js";
import { GongopsError, LockHeldError } from "../errors.js";
import { RetryAfterError } from "../jobs/errors.js";
import type { AuditsRepo } from "../store/audits.repo.js";
import type { DirectoryRepo } from "../store/directory.repo.js";
import type { DigestRow, SchedulesRepo } from "../store/schedules.repo.js";
import type { SyncRunsRepo } from "../store/syncRuns.repo.js";
import { buildDigest, type Digest, type PendingApprovals, type Person } from "./digest.js";

/**
 * Builds digests: runs (or resumes) the inactive-user audit, then compares with the previous digest of
 * the same schedule. A schedule's digest is saved under its run's key, so that a retried run (Slack said
 * wait) shows the same digest instead of one compared with itself.
 */

/**
 * The approvals flow, when it is wired in (built separately): pending deactivation requests, and who is
 * kept (the keep cool-down), by Gong id, with "kept until …, by …: …".
 */
export interface ApprovalsPort {
  pending(now: Date): PendingApprovals;
  kept?(now: Date): ReadonlyMap<string, string>;
}

/** Leavers and stuck newcomers, when they are wired in (leavers/): read from SQLite, no request. */
export interface LeaversPort {
  leavers(): Digest["leavers"];
  newcomers(auditRunId: number): Digest["newcomers"];
}

export interface DigestSettings {
  seatPricePerYear: number | null;
  currency: string;
}

export interface DigestServiceDeps {
  audit: AuditService;
  audits: AuditsRepo;
  directory: DirectoryRepo;
  schedules: SchedulesRepo;
  syncRuns: SyncRunsRepo;
  settings: DigestSettings;
  /** null until the approvals flow exists. */
  approvals?: ApprovalsPort | null;
  leavers?: LeaversPort | null;
  /** The one clock (src/clock.ts). */
  clock: Clock;
}

export interface DigestRequest {
  days: number;
  /** Audit trigger, e.g. "schedule 3" or "cli". */
  trigger: string;
  /** The schedule it belongs to (its previous digest is the comparison), or null (any last digest). */
  scheduleId: number | null;
  /**
   * A schedule slot's due instant: a finished audit with the same look-back and rule that started at or
   * after it serves this digest too (schedules due together share one run). Absent: always a new run.
   */
  shareFrom?: Date;
  /** Saves the digest under this key (a schedule run's job key); without one nothing is saved. */
  runKey?: string | null;
  signal?: AbortSignal;
}

export class DigestService {
  private readonly now: () => Date;

  constructor(private readonly deps: DigestServiceDeps) {
    this.now = () => nowDate(deps.clock);
  }

  async build(request: DigestRequest): Promise<{ digest: Digest; record: DigestRow | null }> {
    const { schedules } = this.deps;
    const existing = request.runKey ? schedules.digestByKey(request.runKey) : undefined;
    if (existing) return { digest: this.fromRecord(existing), record: existing };
    const report = await this.audit(request);
    const gen = this.deps.audits.get(report.runId)!.snapshotGen;
    const previous = schedules.previousDigest(request.scheduleId) ?? null;
    const digest = this.compose(report, gen, previous, this.now());
    if (!request.runKey) return { digest, record: null };
    const record = schedules.saveDigest({
      scheduleId: request.scheduleId,
      runKey: request.runKey,
      createdAt: new Date(digest.generatedAt),
      auditRunId: report.runId,
      snapshotGen: gen,
      activeUsers: digest.headline.activeUsers,
      snapshot: { inactiveIds: digest.inactive.map((p) => p.id) },
    });
    // Another process saved this run's digest first: show that one.
    return { digest: record.auditRunId === report.runId ? digest : this.fromRecord(record), record };
  }

  /** The digest a saved record stands for, rebuilt from SQLite (same report, same previous digest). */
  fromRecord(row: DigestRow): Digest {
    const report = this.deps.audit.report(row.auditRunId);
    const previous = this.deps.schedules.previousDigest(row.scheduleId, row.id) ?? null;
    return this.compose(report, row.snapshotGen, previous, row.createdAt);
  }

  private compose(report: AuditReport, gen: number, previous: DigestRow | null, now: Date): Digest {
    const people = new Map<string, Person>();
    const everyone = this.deps.directory.people(gen);
    // Two active people with one name are told apart by their email (the top managers, the lists).
    const nameOf = nameTeller(everyone);
    for (const p of everyone)
      people.set(p.id, { id: p.id, name: nameOf(p), active: p.active, managerId: p.managerId });
    const { seatPricePerYear, currency } = this.deps.settings;
    return buildDigest({
      now,
      report,
      snapshotGen: gen,
      people,
      previous: previous
        ? { createdAt: previous.createdAt, inactiveIds: previous.snapshot.inactiveIds }
        : null,
      changes: previous ? this.deps.syncRuns.changesBetween(previous.snapshotGen, gen) : [],
      price: seatPricePerYear === null ? null : { perYear: seatPricePerYear, currency },
      pendingApprovals: this.deps.approvals?.pending(now) ?? null,
      leavers: this.deps.leavers?.leavers() ?? null,
      newcomers: this.deps.leavers?.newcomers(report.runId) ?? null,
      kept: this.deps.approvals?.kept?.(now),
    });
  }

  /**
   * A finished audit for this request: a paused run of the same trigger is resumed, otherwise a new one
   * starts. A pause or another audit holding the lock is a RetryAfterError (the job waits, no attempt
   * spent); a failed run is an error.
   */
  private async audit(request: DigestRequest): Promise<AuditReport> {
    const { audit, audits } = this.deps;
    const shared = request.shareFrom ? audit.shareable({ days: request.days }, request.shareFrom) : null;
    if (shared) return shared;
    const unfinished = audits.latestUnfinished();
    let report: AuditReport;
    try {
      report =
        unfinished && unfinished.trigger === request.trigger && unfinished.status !== "failed"
          ? await audit.resume(unfinished.id, { trigger: request.trigger, signal: request.signal })
          : await audit.start({
              days: request.days,
              trigger: request.trigger,
              signal: request.signal,
              fresh: true,
            });
    } catch (error) {
      if (error instanceof AuditPausedError)
        throw new RetryAfterError(error.resumeAt, error.message, { cause: error });
      if (error instanceof LockHeldError) {
        const until = audit.running()?.until ?? new Date(this.now().getTime() + 60_000);
        throw new RetryAfterError(new Date(until.getTime() + 1000), error.message, { cause: error });
      }
      throw error;
    }
    if (report.status === "paused")
      throw new RetryAfterError(
        new Date(report.resumeAt ? Date.parse(report.resumeAt) : this.now().getTime() + 60_000),
        `the audit paused: ${report.error ?? "Gong asked to wait"}`,
      );
    if (report.status !== "succeeded")
      throw new GongopsError("INTERNAL", `the audit ${report.status}: ${report.error ?? "no reason given"}`);
    return report;
  }
}
