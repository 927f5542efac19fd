import type { DirectorySync } from "../directory/sync.service.js";
import { GongopsError, NotFoundError, UsageError } from "../errors.js";
import type { ActivityPager, ActivityQuery, CallOptions, GongClient, Pager } from "../gong/client.js";
import { GongAuthError } from "../gong/errors.js";
import { RequestMeter } from "../gong/http.js";
import type { GongCall, UserActivityRecord } from "../gong/schemas.js";
import { DAY_MS, splitWindowsNewestFirst } from "../gong/windows.js";
import type { Logger } from "../log.js";
import { ChunkPacer } from "../pace.js";
import type { AuditRunRow, AuditsRepo, Evidence } from "../store/audits.repo.js";
import type { DirectoryRepo } from "../store/directory.repo.js";
import type { ExemptionsRepo } from "../store/exemptions.repo.js";
import { LeaseLostError, type LocksRepo } from "../store/locks.repo.js";
import { ActivityService, activityDays, activityLineOrReason } from "./activity.js";
import { type ExemptRule, parseExemptRule } from "./exemptions.js";
import { type PausePolicy, pauseOrFail } from "./pause.js";
import {
  activityPerUserCost,
  bulkCost,
  decideActivity,
  decideWindow,
  perUserCost,
  shouldSwitchToBulk,
} from "./planner.js";
import { type AuditReport, buildReport, type InactiveUser } from "./report.js";
import { type ActivityRule, AuditState, type AuditWindow, type CandidateState } from "./state.js";
import { selectSubjects } from "./subjects.js";

/**
 * The inactive-user audit: active Gong users who hosted no call in [now - days, now). It spends as few
 * Gong requests as the contract allows (planner.ts decides per window between asking about users and
 * listing every call), keeps everything it learns in SQLite as it goes, and can be resumed after a
 * crash, a spent daily quota or a long Retry-After without redoing what it knows. It never presents a
 * partial result as complete: a paused run has no inactive list until it finishes.
 */

export type Strategy = "auto" | "per-user" | "bulk";

export interface AuditProgress {
  phase: "syncing" | "preparing" | "checking activity" | "checking calls" | "done";
  /** The run, once it exists (not during the sync that may come first). */
  runId?: number;
  done: number;
  total: number | null;
  requestsUsed: number;
  etaMs: number | null;
  window?: { index: number; of: number; strategy: string | null };
}

export interface AuditRequest {
  days?: number;
  strategy?: Strategy;
  /** What counts as activity; the setting's (GONGOPS_AUDIT_ACTIVITY) when absent. */
  activity?: ActivityRule;
  trigger?: string;
  onProgress?: (p: AuditProgress) => void;
  signal?: AbortSignal;
}

export interface AuditSettings {
  days: number;
  graceDays: number | null;
  exempt: readonly string[];
  exemptManagers: boolean;
  freshnessMinutes: number;
  windowDays: number;
  maxConcurrent: number;
  maxRps: number;
  /** The default rule (GONGOPS_AUDIT_ACTIVITY). */
  activity: ActivityRule;
}

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
  now?: () => Date;
  /** Users per POST /v2/calls/extensive request. */
  batchSize?: number;
  /** Back-off after an outage (tests shorten it). */
  pausePolicy?: PausePolicy;
  /** Knows the company's time zone (one built from `gong` when absent). */
  activity?: ActivityService;
}

export const AUDIT_LOCK = "inactive-user audit";
/** Renewed every third of it; after a crash, the next process takes over once it runs out. */
const DEFAULT_LEASE_MS = 30_000;
/** Windows are tracked as bits of a 32-bit mask. */
const MAX_WINDOWS = 30;
/** Bulk pages a slice should at least hold before a window is split for parallel listing. */
const MIN_SLICE_PAGES = 20;
/**
 * Longest a single bulk listing should take at the rate limit: Gong's cursors expire about an hour after
 * a listing's first page, and an expired one means starting that listing over.
 */
const LISTING_BUDGET_S = 20 * 60;

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

/** One run being worked on: its state, its meter, and how it reports. */
interface Work {
  run: AuditRunRow;
  state: AuditState;
  meter: RequestMeter;
  persisted: number;
  /** Pieces of evidence saved in this stretch of work (a resume that learned nothing made no progress). */
  learned: number;
  strategy: Strategy;
  opts: CallOptions;
  onProgress?: (p: AuditProgress) => void;
  /** Users settled per per-user request in this run (for the planner). */
  perUser: { requests: number; settled: number };
  /** Shortest request seen, as the latency estimate for slicing bulk windows. */
  minLatencyMs: number;
  started: number;
  /** Is the audit lock still ours? (It renews itself; this sees a takeover by another process.) */
  held: () => boolean;
}

export class AuditService {
  private readonly now: () => Date;
  private readonly batchSize: number;
  private readonly activity: ActivityService;

  constructor(private readonly deps: AuditServiceDeps) {
    this.now = deps.now ?? (() => new Date());
    this.batchSize = deps.batchSize ?? 100;
    this.activity =
      deps.activity ?? new ActivityService({ gong: deps.gong, days: deps.settings.days, now: this.now });
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

  /** Starts a new audit and runs it to the end (or until it must pause). */
  async start(request: AuditRequest = {}): Promise<AuditReport> {
    const { settings, directory, audits, sync, log } = this.deps;
    const days = request.days ?? settings.days;
    this.checkDays(days);
    const rules = this.rules();
    const lease = this.deps.locks.acquire(
      AUDIT_LOCK,
      this.deps.leaseMs ?? DEFAULT_LEASE_MS,
      `audit (${request.trigger ?? "cli"})`,
    );
    try {
      let state = directory.state();
      const ageMin = state
        ? (this.now().getTime() - Date.parse(state.syncedAt)) / 60_000
        : Number.POSITIVE_INFINITY;
      if (!state || ageMin > settings.freshnessMinutes) {
        request.onProgress?.({ phase: "syncing", done: 0, total: null, requestsUsed: 0, etaMs: null });
        await sync.run({
          trigger: "audit",
          signal: request.signal,
          onProgress: (p) =>
            request.onProgress?.({
              phase: "syncing",
              done: p.done,
              total: p.total,
              requestsUsed: p.requestsUsed,
              etaMs: null,
            }),
        });
        state = directory.state()!;
      }

      const now = this.now();
      const to = new Date(Math.floor(now.getTime() / 1000) * 1000);
      const from = new Date(to.getTime() - days * DAY_MS);
      const rule = request.activity ?? settings.activity;
      // "any": the statistics cover whole company days from the day `from` falls on up to today
      // (exclusive); calls cover the rest of the look-back, from the start of today to `to`.
      const zoneMeter = new RequestMeter();
      const anyDays =
        rule === "any"
          ? activityDays(to, days, await this.activity.timeZone({ meter: zoneMeter, signal: request.signal }))
          : null;
      const callsFrom = anyDays ? new Date(Math.max(from.getTime(), anyDays.todayStart)) : from;
      const graceDays = settings.graceDays ?? days;
      const subjects = selectSubjects(directory.people(state.gen), {
        now: to,
        graceDays,
        rules,
        exemptManagers: settings.exemptManagers,
      });
      const runId = audits.create({
        status: "running",
        trigger: request.trigger ?? "cli",
        startedAt: now.toISOString(),
        fromAt: from.toISOString(),
        toAt: to.toISOString(),
        lookbackDays: days,
        snapshotGen: state.gen,
        strategyRequested: request.strategy ?? "auto",
        options: JSON.stringify({
          graceDays,
          windowDays: settings.windowDays,
          batchSize: this.batchSize,
          exemptManagers: settings.exemptManagers,
        }),
        candidates: subjects.candidates.length,
        exempt: subjects.exempt.length,
        activityRule: rule,
        timeZone: anyDays?.timeZone ?? null,
        fromDate: anyDays?.fromDate ?? null,
        toDate: anyDays?.toDate ?? null,
        requestsUsed: zoneMeter.total,
      });
      request.onProgress?.({
        phase: "preparing",
        done: 0,
        total: subjects.candidates.length,
        requestsUsed: 0,
        etaMs: null,
      });
      const rows = [
        ...subjects.candidates.map((p) => ({ ...subjectColumns(p), runId, kind: "candidate" as const })),
        ...subjects.exempt.map((p) => ({
          ...subjectColumns(p),
          runId,
          kind: "exempt" as const,
          reason: p.reason,
        })),
      ];
      const pacer = new ChunkPacer(200);
      for (let i = 0; i < rows.length; ) {
        i += (await pacer.run((n) => {
          audits.insertSubjects(rows.slice(i, i + n));
          return Math.min(n, rows.length - i);
        }))!;
      }
      const windows = splitWindowsNewestFirst(callsFrom, to, settings.windowDays);
      if (windows.length > 0)
        audits.insertWindows(
          windows.map((w, idx) => ({ runId, idx, fromAt: w.from.toISOString(), toAt: w.to.toISOString() })),
        );
      audits.update(runId, { prepared: true });
      log.info("audit started", {
        run: runId,
        days,
        activity: rule,
        ...(anyDays
          ? { timeZone: anyDays.timeZone, fromDate: anyDays.fromDate, toDate: anyDays.toDate }
          : {}),
        candidates: subjects.candidates.length,
        exempt: subjects.exempt.length,
      });
      return await this.work(audits.get(runId)!, request, lease.held);
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
      throw new UsageError(`audit ${run.id} already finished; nothing to resume`);
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
        throw new UsageError(`audit ${run.id} was interrupted before it started; run a new audit`);
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
    const run = this.deps.audits.get(runId);
    if (!run) throw new NotFoundError(`there is no audit ${runId}`);
    const subjects = this.deps.audits.subjects(runId);
    const windows = this.deps.audits.windows(runId);
    // The last hosted call known for the users it flags: only finished runs flag anyone.
    const lastCalls =
      run.status === "succeeded"
        ? this.deps.audits.lastCallsOf(
            subjects
              .filter((s) => s.kind === "candidate" && !s.hostedCall && !s.activitySeen)
              .map((s) => s.userId),
          )
        : new Map<string, string>();
    return buildReport(run, windows, subjects, lastCalls);
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
    const candidates: [string, CandidateState][] = audits.subjects(run.id, "candidate").map((s) => [
      s.userId,
      {
        hosted: s.hostedCall,
        lastCallAt: s.lastCallAt ? Date.parse(s.lastCallAt) : null,
        clearedMask: s.clearedMask,
        activity: s.activitySeen,
        checked: s.activityChecked,
      },
    ]);
    // An "any" run's windows start at the statistics' end; a run without windows checks no calls.
    const callsFrom =
      windows.length > 0 ? Math.min(...windows.map((x) => x.from.getTime())) : Date.parse(run.toAt);
    const meter = new RequestMeter();
    const w: Work = {
      run,
      state: new AuditState(new Date(callsFrom), new Date(run.toAt), windows, candidates, run.activityRule),
      meter,
      persisted: 0,
      learned: 0,
      strategy: request.strategy ?? "auto",
      opts: { meter, signal: request.signal },
      onProgress: request.onProgress,
      perUser: { requests: 0, settled: 0 },
      minLatencyMs: Number.POSITIVE_INFINITY,
      started: performance.now(),
      held,
    };
    try {
      if (run.activityRule === "any" && !run.activityDone) await this.activityPhase(w);
      for (const window of windows) {
        if (window.done) continue;
        request.signal?.throwIfAborted();
        await this.auditWindow(w, window);
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
      this.progress(w, "done");
      log.info("audit finished", {
        run: run.id,
        inactive: inactive.length,
        requests: run.requestsUsed + meter.total,
      });
    } catch (error) {
      // Another process took the run over after our lease lapsed: it is theirs now; touch nothing.
      if (error instanceof LeaseLostError) throw error;
      this.flush(w, null, []);
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
    return this.report(run.id);
  }

  private progress(w: Work, phase: AuditProgress["phase"], current?: AuditWindow): void {
    if (!w.onProgress) return;
    const done = w.state.settledCount();
    const elapsedS = (performance.now() - w.started) / 1000;
    const rate = Math.min(
      this.deps.settings.maxRps,
      w.meter.total > 5 && elapsedS > 0 ? w.meter.total / elapsedS : this.deps.settings.maxRps,
    );
    const remaining = this.remainingEstimate(w);
    w.onProgress({
      phase,
      runId: w.run.id,
      done,
      total: w.state.candidates.size,
      requestsUsed: w.run.requestsUsed + w.meter.total,
      etaMs: phase === "done" ? 0 : (remaining / rate) * 1000,
      ...(current
        ? { window: { index: current.idx + 1, of: w.state.windows.length, strategy: current.strategy } }
        : {}),
    });
  }

  /** Requests still to spend, by the planner's estimates (for the ETA). */
  private remainingEstimate(w: Work): number {
    const r = w.perUser.requests > 0 ? w.perUser.settled / w.perUser.requests : null;
    let total = 0;
    for (const win of w.state.windows) {
      if (win.done) continue;
      const users = w.state.needs(win.idx).length;
      const perUser = perUserCost(users, this.batchSize, r);
      total += win.totalRecords !== null && win.strategy === "bulk" ? bulkCost(win.totalRecords) : perUser;
    }
    return total;
  }

  /** Saves what was learned and the requests spent since the last save, in one transaction. */
  private flush(
    w: Work,
    cleared: { windowIdx: number; userIds: string[] } | null,
    found: Evidence["found"],
    windowIdx?: number,
  ): void {
    const requests = w.meter.total - w.persisted;
    if (requests === 0 && found.length === 0 && !cleared) return;
    // Evidence is only recorded while this process still owns the audit.
    if ((found.length > 0 || cleared) && !w.held()) throw new LeaseLostError("inactive-user audit");
    this.deps.audits.record(w.run.id, { found, cleared, requests });
    if (found.length > 0 || cleared) w.learned++;
    if (windowIdx !== undefined && requests > 0)
      this.deps.audits.addWindowRequests(w.run.id, windowIdx, requests);
    w.persisted += requests;
  }

  private async timed<T>(w: Work, fn: () => Promise<T>): Promise<T> {
    const t = performance.now();
    const result = await fn();
    w.minLatencyMs = Math.min(w.minLatencyMs, performance.now() - t);
    return result;
  }

  private async auditWindow(w: Work, win: AuditWindow): Promise<void> {
    const needs = w.state.needs(win.idx);
    if (needs.length === 0) {
      this.finishWindow(w, win, "skipped");
      return;
    }
    if (w.strategy === "bulk" || win.strategy === "bulk") return this.bulkWindow(w, win, null);
    if (w.strategy === "per-user") return this.perUserWindow(w, win, null);

    const decision = decideWindow({
      unresolved: needs.length,
      batchSize: this.batchSize,
      knownTotal: win.totalRecords,
      pagesRead: 0,
      estimatedTotal: this.estimatedTotal(w, win),
      settledPerRequest: w.perUser.requests > 0 ? w.perUser.settled / w.perUser.requests : null,
    });
    this.deps.log.debug("audit window plan", {
      run: w.run.id,
      window: win.idx,
      unresolved: needs.length,
      decision,
    });
    if (decision === "per-user") return this.perUserWindow(w, win, null);
    if (decision === "bulk") return this.bulkWindow(w, win, null);
    // Probe: page one of the bulk listing tells the window's total.
    const probe = this.deps.gong.callPages({ from: win.from, to: win.to }, w.opts);
    const first = await this.timed(w, () => probe.next());
    this.recordWindowTotal(w, win, probe.totalRecords ?? 0);
    this.applyCalls(w, win, first ?? []);
    if (probe.done) {
      probe.ensureComplete();
      return this.completeWindow(w, win, "bulk");
    }
    const again = decideWindow({
      unresolved: w.state.needs(win.idx).length,
      batchSize: this.batchSize,
      knownTotal: win.totalRecords,
      pagesRead: 1,
      estimatedTotal: null,
      settledPerRequest: w.perUser.requests > 0 ? w.perUser.settled / w.perUser.requests : null,
    });
    if (again === "bulk") return this.bulkWindow(w, win, probe);
    return this.perUserWindow(w, win, probe);
  }

  // ---- the "any" rule: Gong's activity statistics ------------------------------------------------

  /**
   * Reads the activity statistics for every candidate: one listing of everyone with activity, or the
   * candidates in batches, whichever the planner finds cheaper (a first page of the listing tells its
   * size). Only a complete answer shows that someone did nothing; a resumed run asks only about the
   * candidates not answered for yet.
   */
  private async activityPhase(w: Work): Promise<void> {
    const { audits, gong, log } = this.deps;
    const run = w.run;
    const query: ActivityQuery = { fromDate: run.fromDate!, toDate: run.toDate! };
    let probe: ActivityPager | null = null;
    let strategy: "bulk" | "per-user" | null =
      w.strategy === "bulk" ? "bulk" : w.strategy === "per-user" ? "per-user" : null;
    const plan = (knownTotal: number | null, pagesRead: number) =>
      decideActivity({
        unchecked: w.state.unchecked().length,
        batchSize: this.batchSize,
        activeUsers: run.candidates + run.exempt,
        knownTotal,
        pagesRead,
      });
    if (w.state.unchecked().length === 0) {
      // Nobody left to ask about (no candidates, or a resumed run that had asked about everyone).
      audits.update(run.id, { activityDone: true, activityStrategy: run.activityStrategy ?? "per-user" });
      return;
    }
    if (!strategy) {
      let decision = plan(null, 0);
      if (decision === "probe") {
        probe = gong.activityPages(query, w.opts);
        const first = await this.timed(w, () => probe!.next());
        this.applyActivity(w, probe, first ?? [], []);
        decision = probe.done ? "bulk" : plan(probe.totalRecords ?? 0, 1);
      }
      strategy = decision === "per-user" ? "per-user" : "bulk";
      log.debug("audit activity plan", {
        run: run.id,
        unchecked: w.state.unchecked().length,
        total: probe?.totalRecords ?? null,
        perUser: activityPerUserCost(w.state.unchecked().length, this.batchSize),
        strategy,
      });
    }
    audits.update(run.id, { activityStrategy: strategy });
    if (strategy === "bulk") {
      const pager = probe ?? gong.activityPages(query, w.opts);
      for (let page = await this.timed(w, () => pager.next()); page !== null; page = await pager.next())
        this.applyActivity(w, pager, page, []);
      pager.ensureComplete();
      // The whole listing was read: whoever it did not list did nothing on those days.
      this.applyActivity(w, pager, [], w.state.unchecked());
    } else await this.activityPerUser(w, query);
    if (w.state.unchecked().length > 0)
      throw new GongopsError("INTERNAL", `audit ${run.id}: activity statistics left users unanswered`);
    audits.update(run.id, { activityDone: true });
  }

  /** The unchecked candidates in batches, a few at once; each batch's answer is read to its end. */
  private async activityPerUser(w: Work, query: ActivityQuery): Promise<void> {
    const pool = w.state.unchecked();
    let failure: unknown = null;
    const worker = async () => {
      while (pool.length > 0 && failure === null) {
        const batch = pool.splice(0, this.batchSize);
        try {
          const pager = this.deps.gong.activityPages({ ...query, userIds: batch }, w.opts);
          const records: UserActivityRecord[] = [];
          for (let page = await this.timed(w, () => pager.next()); page !== null; page = await pager.next())
            records.push(...page);
          pager.ensureComplete();
          const listed = new Set(records.map((r) => r.userId));
          this.applyActivity(
            w,
            pager,
            records,
            batch.filter((id) => !listed.has(id)),
          );
        } catch (error) {
          failure ??= error;
        }
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(this.deps.settings.maxConcurrent, pool.length) }, worker),
    );
    if (failure !== null) throw failure;
  }

  /** Saves an answer's evidence with the requests spent since the last save, in one transaction. */
  private applyActivity(
    w: Work,
    pager: ActivityPager,
    records: readonly UserActivityRecord[],
    none: readonly string[],
  ): void {
    // The days were computed in the zone Gong named when the run started; another zone means other days.
    if (pager.timeZone && pager.timeZone !== w.run.timeZone) {
      this.activity.forget(); // a new audit learns the new zone
      throw new GongopsError(
        "GONG_INVALID_RESPONSE",
        `Gong now counts days in ${pager.timeZone}, but audit ${w.run.id} was planned in ${w.run.timeZone}; start a new audit`,
      );
    }
    const listed = w.state.observeActivity(records);
    const cleared = w.state.noActivity(none);
    const requests = w.meter.total - w.persisted;
    if ((listed.length > 0 || cleared.length > 0) && !w.held())
      throw new LeaseLostError("inactive-user audit");
    this.deps.audits.recordActivity(w.run.id, { listed, none: cleared, requests });
    w.persisted += requests;
    this.progress(w, "checking activity");
  }

  /** This window's calls as estimated from windows already measured, scaled by length. */
  private estimatedTotal(w: Work, win: AuditWindow): number | null {
    let calls = 0;
    let ms = 0;
    for (const other of w.state.windows) {
      if (other.totalRecords === null) continue;
      calls += other.totalRecords;
      ms += other.to.getTime() - other.from.getTime();
    }
    return ms > 0 ? (calls / ms) * (win.to.getTime() - win.from.getTime()) : null;
  }

  private recordWindowTotal(w: Work, win: AuditWindow, total: number): void {
    win.totalRecords = total;
    this.deps.audits.updateWindow(w.run.id, win.idx, { totalRecords: total });
  }

  private applyCalls(w: Work, win: AuditWindow, calls: readonly GongCall[]): void {
    this.flush(w, null, w.state.observe(calls), win.idx);
    this.progress(w, "checking calls", win);
  }

  /** Marks the window done; `strategy` is how it ended (a per-user window that switched ends as bulk). */
  private finishWindow(w: Work, win: AuditWindow, strategy: AuditWindow["strategy"]): void {
    win.done = true;
    win.strategy = strategy;
    this.deps.audits.updateWindow(w.run.id, win.idx, { status: "done", strategy: win.strategy });
    this.progress(w, "checking calls", win);
  }

  /** Every call of the window was seen: whoever still needs this window hosted none in it. */
  private async completeWindow(w: Work, win: AuditWindow, strategy: "bulk" | "per-user"): Promise<void> {
    const cleared = w.state.clear(win.idx, w.state.needs(win.idx));
    for (let i = 0; i < cleared.length; i += 2000)
      this.flush(w, { windowIdx: win.idx, userIds: cleared.slice(i, i + 2000) }, [], win.idx);
    this.finishWindow(w, win, strategy);
  }

  /**
   * Lists every call of the window. A window with many pages is cut into time slices: enough to keep up
   * with the rate limit when one listing could not (pages come one after another), and small enough
   * that each listing ends well within a cursor's life (about an hour from its first page). Each slice
   * is recorded when done, so a resume lists only the rest.
   */
  private async bulkWindow(w: Work, win: AuditWindow, probe: Pager<GongCall> | null): Promise<void> {
    const { gong, audits } = this.deps;
    win.strategy = "bulk";
    audits.updateWindow(w.run.id, win.idx, { strategy: "bulk" });
    if (win.slices === null) {
      let pager = probe;
      if (!pager) {
        pager = gong.callPages({ from: win.from, to: win.to }, w.opts);
        const first = await this.timed(w, () => pager!.next());
        this.recordWindowTotal(w, win, pager.totalRecords ?? 0);
        this.applyCalls(w, win, first ?? []);
      }
      const slices = pager.done ? 1 : this.slicing(w, bulkCost(win.totalRecords ?? 0)).slices;
      if (slices <= 1) {
        for (let page = await pager.next(); page !== null; page = await pager.next())
          this.applyCalls(w, win, page);
        pager.ensureComplete();
        return this.completeWindow(w, win, "bulk");
      }
      win.slices = slices;
      audits.updateWindow(w.run.id, win.idx, { slices });
    }
    await this.listSlices(w, win);
    return this.completeWindow(w, win, "bulk");
  }

  /** How many slices for a bulk window of `pages` pages, and how many to list at once. */
  private slicing(w: Work, pages: number): { slices: number; parallel: number } {
    const { maxRps, maxConcurrent } = this.deps.settings;
    const chains = (maxRps * w.minLatencyMs) / 1000;
    const parallel = chains > 0.8 ? Math.max(1, Math.min(maxConcurrent, Math.ceil(chains * 1.2))) : 1;
    const forSpeed = parallel > 1 ? Math.min(parallel, Math.floor(pages / MIN_SLICE_PAGES)) : 1;
    // Parallel listings share the rate: each gets maxRps / parallel pages a second.
    const pagesPerListing = Math.max(MIN_SLICE_PAGES, Math.floor((maxRps / parallel) * LISTING_BUDGET_S));
    return { slices: Math.max(1, forSpeed, Math.ceil(pages / pagesPerListing)), parallel };
  }

  /** Lists the slices not yet done, `parallel` at a time; the first failure stops the others. */
  private async listSlices(w: Work, win: AuditWindow): Promise<void> {
    const slices = win.slices!;
    const { parallel } = this.slicing(w, bulkCost(win.totalRecords ?? 0));
    const span = win.to.getTime() - win.from.getTime();
    const edge = (i: number) => new Date(win.from.getTime() + Math.round((span * i) / slices));
    const todo = Array.from({ length: slices }, (_, i) => i).filter((i) => (win.slicesDone & (2 ** i)) === 0);
    const stop = new AbortController();
    const signal = w.opts.signal ? AbortSignal.any([w.opts.signal, stop.signal]) : stop.signal;
    let failure: unknown = null;
    const worker = async () => {
      while (todo.length > 0 && failure === null) {
        const i = todo.shift()!;
        try {
          const pager = this.deps.gong.callPages({ from: edge(i), to: edge(i + 1) }, { ...w.opts, signal });
          for (let page = await pager.next(); page !== null; page = await pager.next())
            this.applyCalls(w, win, page);
          pager.ensureComplete();
          win.slicesDone |= 2 ** i;
          this.deps.audits.updateWindow(w.run.id, win.idx, { slicesDone: win.slicesDone });
        } catch (error) {
          failure ??= error;
          stop.abort(error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, todo.length) }, worker));
    if (failure !== null) throw failure;
  }

  /**
   * Asks about unresolved users in batches, a first page each. A batch whose calls fit in one page is
   * settled whole; otherwise the users seen hosting are settled and the rest go back in the pool to be
   * batched again (cheaper than following the cursor, whose next page may hold only settled users).
   */
  private async perUserWindow(w: Work, win: AuditWindow, probe: Pager<GongCall> | null): Promise<void> {
    const { audits, settings, log } = this.deps;
    win.strategy = "per-user";
    audits.updateWindow(w.run.id, win.idx, { strategy: "per-user" });
    const pool = w.state.needs(win.idx);
    const inFlight = new Set<Promise<void>>();
    let failure: unknown = null;
    let switchToBulk = false;
    let windowRequests = 0;
    let windowSettled = 0;

    const ask = async (batch: string[]) => {
      const pager = this.deps.gong.callPages({ from: win.from, to: win.to, primaryUserIds: batch }, w.opts);
      const calls = (await this.timed(w, () => pager.next())) ?? [];
      const asked = new Set(batch);
      const ignoredFilter = calls.some((c) => c.primaryUserId && !asked.has(c.primaryUserId));
      const found = w.state.observe(calls);
      const openOf = () => batch.filter((id) => !w.state.candidates.get(id)!.hosted);
      // A page that settles nobody (its calls all fall outside the look-back, or name no host) would put
      // the same users back in the pool forever: follow this batch's own cursor until someone settles or
      // its calls run out.
      while (!ignoredFilter && !pager.done && openOf().length === batch.length) {
        found.push(...w.state.observe((await pager.next()) ?? []));
      }
      const open = openOf();
      let cleared: string[] = [];
      if (pager.done) {
        pager.ensureComplete();
        cleared = w.state.clear(win.idx, open);
      } else pool.push(...open);
      this.flush(w, cleared.length ? { windowIdx: win.idx, userIds: cleared } : null, found, win.idx);
      const settled = batch.length - (pager.done ? 0 : open.length);
      windowRequests++;
      windowSettled += settled;
      w.perUser.requests++;
      w.perUser.settled += settled;
      if (ignoredFilter && settled === 0) {
        log.warn(
          "Gong ignored primaryUserIds on /v2/calls/extensive; finishing the window by listing every call",
          {
            window: win.idx,
          },
        );
        switchToBulk = true;
      } else if (
        w.strategy === "auto" &&
        windowRequests >= 3 &&
        shouldSwitchToBulk(
          pool.length,
          this.batchSize,
          windowSettled / windowRequests,
          win.totalRecords,
          probe ? probe.pages : 0,
        )
      ) {
        log.info("per-user costs more than listing here; switching this window to bulk", { window: win.idx });
        switchToBulk = true;
      }
      this.progress(w, "checking calls", win);
    };

    while ((pool.length > 0 && !switchToBulk && !failure) || inFlight.size > 0) {
      while (pool.length > 0 && !switchToBulk && !failure && inFlight.size < settings.maxConcurrent) {
        const batch = pool.splice(0, this.batchSize);
        const task: Promise<void> = ask(batch)
          .catch((error: unknown) => {
            if (error instanceof GongAuthError && error.path.endsWith("/calls/extensive")) {
              log.warn(
                "POST /v2/calls/extensive is not allowed for these credentials; listing every call instead",
              );
              pool.push(...batch.filter((id) => !w.state.candidates.get(id)!.hosted));
              switchToBulk = true;
              return;
            }
            failure ??= error;
          })
          .finally(() => inFlight.delete(task));
        inFlight.add(task);
      }
      if (inFlight.size > 0) await Promise.race(inFlight);
    }
    if (failure) throw failure;
    if (switchToBulk && w.state.needs(win.idx).length > 0) {
      const fresh = probe && !probe.done ? probe : null;
      return this.bulkWindow(w, win, fresh);
    }
    return this.completeWindow(w, win, "per-user");
  }
}

function subjectColumns(p: InactiveUser) {
  return {
    userId: p.id,
    email: p.email,
    firstName: p.firstName,
    lastName: p.lastName,
    title: p.title,
    managerId: p.managerId,
    created: p.created,
  };
}

export function strategyUsed(
  windows: readonly { strategy: string | null }[],
  activityStrategy: string | null = null,
): string {
  const counts = new Map<string, number>();
  for (const w of windows)
    if (w.strategy && w.strategy !== "skipped") counts.set(w.strategy, (counts.get(w.strategy) ?? 0) + 1);
  const calls =
    counts.size === 0
      ? "none needed"
      : counts.size === 1
        ? [...counts.keys()][0]!
        : `mixed (${[...counts].map(([k, n]) => `${k} ${n}`).join(", ")})`;
  // "any" runs: how the statistics were read, then how today's calls were.
  return activityStrategy ? `activity ${activityStrategy}; calls ${calls}` : calls;
}

export type { AuditReport };
