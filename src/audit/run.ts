import type { CallOptions, GongClient } from "../gong/client.js";
import { RequestMeter } from "../gong/http.js";
import type { GongCall } from "../gong/schemas.js";
import type { Logger } from "../log.js";
import { inChunks } from "../pace.js";
import type { AuditRunRow, AuditsRepo, Evidence } from "../store/audits.repo.js";
import { LeaseLostError } from "../store/locks.repo.js";
import type { ActivityService } from "./activity.js";
import { bulkCost, perUserCost } from "./planner.js";
import type { AuditState, AuditWindow } from "./state.js";

/**
 * One audit run being worked on: what is known (AuditState), what it has spent (a meter, and how much
 * of it is saved), how it reports progress, and the few writes every path makes (evidence with its
 * requests, a window's total, a window done). The bulk, per-user and activity paths (bulk.ts,
 * perUser.ts, activityPhase.ts) work through it; the service (audit.service.ts) creates it, runs the
 * paths, and decides how the run ends.
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

/** What the paths need besides the run itself. */
export interface RunDeps {
  gong: GongClient;
  audits: AuditsRepo;
  log: Logger;
  activity: ActivityService;
  settings: { maxRps: number; maxConcurrent: number };
  /** Users per POST /v2/calls/extensive (and per activity) request. */
  batchSize: number;
}

export class AuditRun {
  readonly meter = new RequestMeter();
  readonly opts: CallOptions;
  /** Requests of this stretch of work already saved with the run. */
  persisted = 0;
  /** Pieces of evidence saved in this stretch of work (a resume that learned nothing made no progress). */
  learned = 0;
  /** Users settled per per-user request in this run (for the planner). */
  readonly perUser = { requests: 0, settled: 0 };
  /** Shortest request seen, as the latency estimate for slicing bulk windows. */
  minLatencyMs = Number.POSITIVE_INFINITY;
  readonly started = performance.now();

  constructor(
    readonly run: AuditRunRow,
    readonly state: AuditState,
    readonly strategy: Strategy,
    readonly deps: RunDeps,
    /** Is the audit lock still ours? (It renews itself; this sees a takeover by another process.) */
    readonly held: () => boolean,
    private readonly onProgress: ((p: AuditProgress) => void) | undefined,
    signal: AbortSignal | undefined,
  ) {
    this.opts = { meter: this.meter, signal };
  }

  progress(phase: AuditProgress["phase"], current?: AuditWindow): void {
    if (!this.onProgress) return;
    const { maxRps } = this.deps.settings;
    const elapsedS = (performance.now() - this.started) / 1000;
    const rate = Math.min(
      maxRps,
      this.meter.total > 5 && elapsedS > 0 ? this.meter.total / elapsedS : maxRps,
    );
    this.onProgress({
      phase,
      runId: this.run.id,
      done: this.state.settledCount(),
      total: this.state.candidates.size,
      requestsUsed: this.run.requestsUsed + this.meter.total,
      etaMs: phase === "done" ? 0 : (this.remainingEstimate() / rate) * 1000,
      ...(current
        ? { window: { index: current.idx + 1, of: this.state.windows.length, strategy: current.strategy } }
        : {}),
    });
  }

  /** Requests still to spend, by the planner's estimates (for the ETA). */
  private remainingEstimate(): number {
    const r = this.perUser.requests > 0 ? this.perUser.settled / this.perUser.requests : null;
    let total = 0;
    for (const win of this.state.windows) {
      if (win.done) continue;
      const perUser = perUserCost(this.state.needs(win.idx).length, this.deps.batchSize, r);
      total += win.totalRecords !== null && win.strategy === "bulk" ? bulkCost(win.totalRecords) : perUser;
    }
    return total;
  }

  /** Saves what was learned and the requests spent since the last save, in one transaction. */
  flush(
    cleared: { windowIdx: number; userIds: string[] } | null,
    found: Evidence["found"],
    windowIdx?: number,
  ): void {
    const requests = this.meter.total - this.persisted;
    if (requests === 0 && found.length === 0 && !cleared) return;
    // Evidence is only recorded while this process still owns the audit.
    if ((found.length > 0 || cleared) && !this.held()) throw new LeaseLostError("inactive-user audit");
    this.deps.audits.record(this.run.id, { found, cleared, requests });
    if (found.length > 0 || cleared) this.learned++;
    if (windowIdx !== undefined && requests > 0)
      this.deps.audits.addWindowRequests(this.run.id, windowIdx, requests);
    this.persisted += requests;
  }

  /** Runs one request and keeps the shortest latency seen. */
  async timed<T>(fn: () => Promise<T>): Promise<T> {
    const t = performance.now();
    const result = await fn();
    this.minLatencyMs = Math.min(this.minLatencyMs, performance.now() - t);
    return result;
  }

  /** This window's calls as estimated from windows already measured, scaled by length. */
  estimatedTotal(win: AuditWindow): number | null {
    let calls = 0;
    let ms = 0;
    for (const other of this.state.windows) {
      if (other.totalRecords === null) continue;
      calls += other.totalRecords;
      ms += other.to.getTime() - other.from.getTime();
    }
    return ms > 0 ? (calls / ms) * (win.to.getTime() - win.from.getTime()) : null;
  }

  recordWindowTotal(win: AuditWindow, total: number): void {
    win.totalRecords = total;
    this.deps.audits.updateWindow(this.run.id, win.idx, { totalRecords: total });
  }

  applyCalls(win: AuditWindow, calls: readonly GongCall[]): void {
    this.flush(null, this.state.observe(calls), win.idx);
    this.progress("checking calls", win);
  }

  /** Marks the window done; `strategy` is how it ended (a per-user window that switched ends as bulk). */
  finishWindow(win: AuditWindow, strategy: AuditWindow["strategy"]): void {
    win.done = true;
    win.strategy = strategy;
    this.deps.audits.updateWindow(this.run.id, win.idx, { status: "done", strategy: win.strategy });
    this.progress("checking calls", win);
  }

  /**
   * Every call of the window was seen: whoever still needs this window hosted none in it. Saved in
   * chunks between other work, each true on its own; the window is done only once all are saved (a run
   * stopped before lists it again for the rest).
   */
  async completeWindow(win: AuditWindow, strategy: "bulk" | "per-user"): Promise<void> {
    const cleared = this.state.clear(win.idx, this.state.needs(win.idx));
    await inChunks(cleared, (userIds) =>
      this.flush({ windowIdx: win.idx, userIds: [...userIds] }, [], win.idx),
    );
    this.finishWindow(win, strategy);
  }
}
