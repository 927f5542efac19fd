import { type Clock, nowDate } from "../clock.js";
import type { DirectorySync } from "../directory/sync.service.js";
import { managersInTurns, managersOf } from "../directory/tellApart.js";
import { GongopsError, NotFoundError, RefusedError, UsageError } from "../errors.js";
import type { GongClient } from "../gong/client.js";
import type { Logger } from "../log.js";
import { readInPages } from "../pace.js";
import type { AuditRunRow, AuditSubjectRow, AuditsRepo } from "../store/audits.repo.js";
import type { DirectoryRepo } from "../store/directory.repo.js";
import type { ExemptionsRepo } from "../store/exemptions.repo.js";
import { LeaseLostError, type LocksRepo } from "../store/locks.repo.js";
import type { SyncRunsRepo } from "../store/syncRuns.repo.js";
import { ActivityService, activityLineOrReason } from "./activity.js";
import { activityPhase } from "./activityPhase.js";
import { type ExemptRule, parseExemptRule } from "./exemptions.js";
import { type PausePolicy, pauseOrFail } from "./pause.js";
import { prepareRun } from "./prepare.js";
import { type AuditReport, buildReport, type ManagerInfo } from "./report.js";
import type { AuditRequest, AuditSettings } from "./request.js";
import { type AuditProgress, AuditRun, type Strategy } from "./run.js";
import { type ActivityRule, AuditState, type AuditWindow, type CandidateState } from "./state.js";
import { auditWindow, strategyUsed } from "./window.js";

/**
 * The inactive-user audit: active Gong users who hosted no call in [now - days, now). It spends as few
 * Gong requests as the contract allows (planner.ts decides per window between asking about users and
 * listing every call), keeps everything it learns in SQLite as it goes, and can be resumed after a
 * crash, a spent daily quota or a long Retry-After without redoing what it knows. It never presents a
 * partial result as complete: a paused run has no inactive list until it finishes.
 */

export type { AuditProgress, Strategy };

export interface AuditServiceDeps {
  /** Lease length (GONGOPS_LEASE_SECONDS). */
  leaseMs?: number;
  gong: GongClient;
  directory: DirectoryRepo;
  audits: AuditsRepo;
  exemptions: ExemptionsRepo;
  locks: LocksRepo;
  sync: DirectorySync;
  settings: AuditSettings;
  log: Logger;
  /** The one clock (src/clock.ts). */
  clock: Clock;
  /** Users per POST /v2/calls/extensive request. */
  batchSize?: number;
  /** Back-off after an outage (tests shorten it). */
  pausePolicy?: PausePolicy;
  /** When each directory snapshot was synced (the report says how old its list of users is). */
  syncRuns?: SyncRunsRepo;
  /** Knows the company's time zone (one built from `gong` when absent). */
  activity?: ActivityService;
  /** Told of each run that finished (the trend keeps its figures); must not throw. */
  onSucceeded?: (runId: number) => void;
  /** Who is kept at `now` (a Keep's cool-down), by Gong id, with the words: set aside, never flagged. */
  kept?: (now: Date) => ReadonlyMap<string, string>;
}

export type { AuditRequest, AuditSettings } from "./request.js";

export const AUDIT_LOCK = "inactive-user audit";
/** Renewed every third of it; after a crash, the next process takes over once it runs out. */
const DEFAULT_LEASE_MS = 30_000;
/** Windows are tracked as bits of a 32-bit mask. */
const MAX_WINDOWS = 30;

/** A run that cannot go on now; `resumeAt` says when it can. */
export class AuditPausedError extends GongopsError {
  constructor(
    readonly runId: number,
    readonly resumeAt: Date,
    reason: string,
  ) {
    super("PAUSED", `audit ${runId} is paused (${reason}); it can resume at ${resumeAt.toISOString()}`);
  }
}

export class AuditService {
  private readonly now: () => Date;
  private readonly batchSize: number;
  private readonly activity: ActivityService;

  constructor(private readonly deps: AuditServiceDeps) {
    this.now = () => nowDate(deps.clock);
    this.batchSize = deps.batchSize ?? 100;
    this.activity =
      deps.activity ?? new ActivityService({ gong: deps.gong, days: deps.settings.days, clock: deps.clock });
  }

  /** The audit that holds the lock now, if any, and when its lease runs out unless renewed. */
  running(): { since: Date; by: string; until: Date } | null {
    const h = this.deps.locks.holderOf(AUDIT_LOCK);
    return h ? { since: h.acquiredAt, by: h.note ?? h.holder, until: h.expiresAt } : null;
  }

  /** The exempt rules in force: the setting's and the table's. Bad rules in the setting are reported. */
  rules(): ExemptRule[] {
    const fromSetting = this.deps.settings.exempt.map((text) => ({
      ...parseExemptRule(text),
      source: "setting" as const,
    }));
    const fromList = this.deps.exemptions
      .list()
      .map((r) => ({ kind: r.kind, value: r.value, reason: r.reason, source: "list" as const }));
    return [...fromSetting, ...fromList];
  }

  /** Refuses a look-back the audit cannot run, before anything starts (or is posted). */
  checkDays(days: number): void {
    const { windowDays } = this.deps.settings;
    if (!Number.isInteger(days) || days < 1)
      throw new UsageError(`the look-back must be a whole number of days, got ${days}`);
    if (Math.ceil(days / windowDays) > MAX_WINDOWS) {
      throw new UsageError(`the look-back can be at most ${MAX_WINDOWS * windowDays} days, got ${days}`);
    }
  }

  /** The managers of a report's inactive users, by id: name (told apart from namesakes) and email. */
  managersOf(report: AuditReport): Map<string, ManagerInfo> {
    return managersOf(this.deps.directory, report.inactive);
  }

  /** The same, between turns of the event loop: for the app, whose acks wait on it. */
  managersInTurns(report: AuditReport): Promise<Map<string, ManagerInfo>> {
    return managersInTurns(this.deps.directory, report.inactive);
  }

  /**
   * A finished run that another asker may share: the same look-back and rule, started at or after
   * `since` (so it read Gong no earlier than this asker would have). Schedules due in the same minute
   * share one run this way instead of running one audit each.
   */
  shareable(request: { days?: number; activity?: ActivityRule }, since: Date): AuditReport | null {
    const row = this.deps.audits.succeededSince({
      days: request.days ?? this.deps.settings.days,
      rule: request.activity ?? this.deps.settings.activity,
      since: since.toISOString(),
    });
    return row ? this.report(row.id) : null;
  }

  /** Starts a new audit and runs it to the end (or until it must pause). */
  async start(request: AuditRequest = {}): Promise<AuditReport> {
    const days = request.days ?? this.deps.settings.days;
    this.checkDays(days);
    const rules = this.rules();
    const lease = this.deps.locks.acquire(
      AUDIT_LOCK,
      this.deps.leaseMs ?? DEFAULT_LEASE_MS,
      `audit (${request.trigger ?? "cli"})`,
    );
    try {
      const run = await prepareRun(
        {
          ...this.deps,
          activity: this.activity,
          batchSize: this.batchSize,
        },
        { ...request, days, rules },
      );
      return await this.work(run, request, lease.held);
    } finally {
      lease.release();
    }
  }

  /** Continues an unfinished audit (the newest one when no id is given). */
  async resume(
    runId: number | null,
    request: Omit<AuditRequest, "days" | "strategy"> = {},
  ): Promise<AuditReport> {
    const { audits } = this.deps;
    const run = runId === null ? audits.latestUnfinished() : audits.get(runId);
    if (!run)
      throw new NotFoundError(
        runId === null ? "there is no unfinished audit to resume" : `there is no audit ${runId}`,
      );
    if (run.status === "succeeded")
      throw new RefusedError(`audit ${run.id} already finished; nothing to resume`);
    // Gong's own limits (a spent quota, a long Retry-After) would only refuse an early resume; a back-off
    // after an outage or an interruption may be cut short by whoever asks.
    const gongSaysWait = run.pauseKind === "quota" || run.pauseKind === "retry-after";
    if (gongSaysWait && run.resumeAt && Date.parse(run.resumeAt) > this.now().getTime()) {
      throw new AuditPausedError(run.id, new Date(run.resumeAt), run.error ?? "waiting for Gong");
    }
    const lease = this.deps.locks.acquire(
      AUDIT_LOCK,
      this.deps.leaseMs ?? DEFAULT_LEASE_MS,
      `audit ${run.id} resumed (${request.trigger ?? "cli"})`,
    );
    try {
      if (!run.prepared) {
        // The process died while writing the subjects: nothing was audited yet, so start it over.
        audits.update(run.id, {
          status: "failed",
          error: "interrupted before it started; start a new audit",
        });
        throw new RefusedError(`audit ${run.id} was interrupted before it started; run a new audit`);
      }
      audits.update(run.id, { status: "running", error: null, resumeAt: null, pauseKind: null });
      this.deps.log.info("audit resumed", { run: run.id });
      return await this.work(
        audits.get(run.id)!,
        { ...request, strategy: run.strategyRequested },
        lease.held,
      );
    } finally {
      lease.release();
    }
  }

  report(runId: number): AuditReport {
    return this.reportOf(this.runOrThrow(runId), this.deps.audits.subjects(runId));
  }

  /** The same, its subjects read a page at a time: what the app's event loop can afford for a big run. */
  async reportInPages(runId: number): Promise<AuditReport> {
    const run = this.runOrThrow(runId);
    const subjects = await readInPages(
      (after: string | null, n) => this.deps.audits.subjectsAfter(runId, after ?? "", n),
      (s) => s.userId,
    );
    return this.reportOf(run, subjects);
  }

  private runOrThrow(runId: number): AuditRunRow {
    const run = this.deps.audits.get(runId);
    if (!run) throw new NotFoundError(`there is no audit ${runId}`);
    return run;
  }

  private reportOf(run: AuditRunRow, subjects: AuditSubjectRow[]): AuditReport {
    const windows = this.deps.audits.windows(run.id);
    // The last hosted call known for the users it flags: only finished runs flag anyone.
    const lastCalls =
      run.status === "succeeded"
        ? this.deps.audits.lastCallsOf(
            subjects
              .filter((s) => s.kind === "candidate" && !s.hostedCall && !s.activitySeen)
              .map((s) => s.userId),
          )
        : new Map<string, string>();
    const syncedAt = this.deps.syncRuns?.get(run.snapshotGen)?.finishedAt ?? null;
    return buildReport(run, windows, subjects, lastCalls, syncedAt);
  }

  /** A user's activity over the default look-back (for `gongops user` and `/gong user`). */
  userActivity(userId: string, days?: number) {
    return this.activity.forUser(userId, days);
  }

  /** The same as one line of text, or why it is not known (never throws). */
  userActivityLine(userId: string): Promise<string> {
    return activityLineOrReason(this.activity, userId);
  }

  // ---- the work ------------------------------------------------------------------------------------

  private async work(run: AuditRunRow, request: AuditRequest, held: () => boolean): Promise<AuditReport> {
    const { audits, log } = this.deps;
    const windows: AuditWindow[] = audits.windows(run.id).map((w) => ({
      idx: w.idx,
      from: new Date(w.fromAt),
      to: new Date(w.toAt),
      done: w.status === "done",
      strategy: w.strategy,
      totalRecords: w.totalRecords,
      slices: w.slices,
      slicesDone: w.slicesDone,
    }));
    // What is known of each candidate, read a page at a time (10,000 rows at once held the loop ~100 ms).
    const candidates = await readInPages(
      (after: string | null, n) =>
        audits.subjectsAfter(run.id, after ?? "", n, "candidate").map((s): [string, CandidateState] => [
          s.userId,
          {
            hosted: s.hostedCall,
            lastCallAt: s.lastCallAt ? Date.parse(s.lastCallAt) : null,
            clearedMask: s.clearedMask,
            activity: s.activitySeen,
            checked: s.activityChecked,
          },
        ]),
      ([id]) => id,
    );
    // Newcomers set aside as new: their activity statistics are read too, never flagged (leavers/).
    const newcomers = (
      await readInPages(
        (after: string | null, n) => audits.subjectsAfter(run.id, after ?? "", n, "exempt"),
        (s) => s.userId,
      )
    )
      .filter((s) => s.newcomer)
      .map((s): [string, CandidateState] => [
        s.userId,
        {
          hosted: false,
          lastCallAt: null,
          clearedMask: 0,
          activity: s.activitySeen,
          checked: s.activityChecked,
        },
      ]);
    // An "any" run's windows start at the statistics' end; a run without windows checks no calls.
    const callsFrom =
      windows.length > 0 ? Math.min(...windows.map((x) => x.from.getTime())) : Date.parse(run.toAt);
    const w = new AuditRun(
      run,
      new AuditState(
        new Date(callsFrom),
        new Date(run.toAt),
        windows,
        candidates,
        run.activityRule,
        newcomers,
      ),
      request.strategy ?? "auto",
      {
        gong: this.deps.gong,
        audits,
        log,
        activity: this.activity,
        settings: this.deps.settings,
        batchSize: this.batchSize,
      },
      held,
      request.onProgress,
      request.signal,
    );
    const { meter } = w;
    try {
      if (run.activityRule === "any" && !run.activityDone) await activityPhase(w);
      for (const window of windows) {
        if (window.done) continue;
        request.signal?.throwIfAborted();
        await auditWindow(w, window, { batchSize: this.batchSize, gong: this.deps.gong, log: this.deps.log });
      }
      const inactive = w.state.inactive();
      for (const [id, c] of w.state.candidates) {
        if (!w.state.isSettled(c)) {
          throw new GongopsError(
            "INTERNAL",
            `audit ${run.id} ended with user ${id} unsettled; refusing to report`,
          );
        }
      }
      if (!w.held()) throw new LeaseLostError("inactive-user audit");
      audits.update(run.id, {
        status: "succeeded",
        finishedAt: this.now().toISOString(),
        inactive: inactive.length,
        strategyUsed: strategyUsed(windows, audits.get(run.id)!.activityStrategy),
        activeMs: run.activeMs + Math.round(performance.now() - w.started),
        error: null,
        resumeAt: null,
        pauseKind: null,
        transientPauses: 0,
      });
      this.deps.onSucceeded?.(run.id);
      w.progress("done");
      log.info("audit finished", {
        run: run.id,
        inactive: inactive.length,
        requests: run.requestsUsed + meter.total,
      });
    } catch (error) {
      // Another process took the run over after our lease lapsed: it is theirs now; touch nothing.
      if (error instanceof LeaseLostError) throw error;
      w.flush(null, []);
      const activeMs = run.activeMs + Math.round(performance.now() - w.started);
      const decision = pauseOrFail(error, {
        now: this.now(),
        aborted: request.signal?.aborted === true,
        // A resume that got somewhere before failing again starts its back-off afresh.
        transientPauses: w.learned > 0 ? 0 : run.transientPauses,
        policy: this.deps.pausePolicy,
      });
      if (decision.action === "fail") {
        audits.update(run.id, { status: "failed", error: decision.reason, activeMs });
        throw error;
      }
      audits.update(run.id, {
        status: "paused",
        resumeAt: decision.resumeAt.toISOString(),
        pauseKind: decision.kind,
        transientPauses: decision.kind === "transient" ? (w.learned > 0 ? 1 : run.transientPauses + 1) : 0,
        error: decision.reason,
        activeMs,
      });
      log.warn("audit paused", {
        run: run.id,
        resumeAt: decision.resumeAt.toISOString(),
        reason: decision.reason,
      });
    }
    return this.reportInPages(run.id);
  }
}

export type { AuditReport };
