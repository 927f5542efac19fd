import Bottleneck from "bottleneck";
import { type Clock, nextUtcMidnight, systemClock, utcDay } from "../clock.js";
import { GongQuotaExhaustedError } from "./errors.js";

/**
 * One limiter per Gong company, shared by every caller in the process (sync, audit, lookups, SCIM).
 * Gong's limits are per company, so two features that each "stay under 3" together would not.
 * Gong's contract: the original design reference documents 3 concurrent requests, Gong's public docs 3 per second and
 * 10,000 per day; all three are enforced, each a setting.
 *
 * - concurrency: bottleneck's maxConcurrent counts a request from send until its body is read (per
 *   process).
 * - per second: this process spaces its starts evenly (hold / maxPerSecond apart), and a sliding window of
 *   recent starts (`RateWindowStore`: SQLite in production, so that every process on the database
 *   shares it) admits a start only while fewer than `maxPerSecond` earlier starts still occupy it.
 *   Gong counts requests when they *arrive*, and jitter on the way (the network, a late event loop)
 *   bunches requests that left evenly spaced; so each start occupies its second plus a safety margin
 *   (5% by default, widened after a 429 the spacing should have prevented), and a start is counted for
 *   longer still by the event-loop lag this process measured recently (`EventLoopLag`), because a
 *   stall right after a start delays its arrival by that much.
 * - per day: counted at send time in a store that survives restarts (SQLite in production). A spent
 *   budget fails fast, before queueing, with the time it resets (next UTC midnight).
 */
export interface DailyBudgetStore {
  /** Requests counted so far for `day` (YYYY-MM-DD, UTC) in `scope`. */
  used(scope: string, day: string): number;
  /** Counts `n` more requests and returns the new total. */
  add(scope: string, day: string, n: number): number;
}

export class MemoryBudgetStore implements DailyBudgetStore {
  private readonly counts = new Map<string, number>();
  used(scope: string, day: string): number {
    return this.counts.get(`${scope}|${day}`) ?? 0;
  }
  add(scope: string, day: string, n: number): number {
    const key = `${scope}|${day}`;
    const next = (this.counts.get(key) ?? 0) + n;
    this.counts.set(key, next);
    return next;
  }
}

/**
 * The per-second window, shared by whoever shares the store. A start claimed at `now` occupies the
 * window for `holdMs` (its second plus the margin), or for the longest hold among the starts still in
 * the window when that is longer: a margin one process widened after a 429 then holds for every
 * process while they send together. An earlier start still counts while `until + slackMs > now` (the
 * claimer's own measure of how late its arrivals may be). Implementations must make the check and the
 * insert one atomic step, across every process that shares them.
 */
export interface RateWindowStore {
  /** 0 when the start was claimed; otherwise how many ms until a slot may free (at least 1). */
  claim(scope: string, now: number, holdMs: number, limit: number, slackMs: number): number;
}

/** Longest slack a claimer may ask for; rows older than this past their `until` can be pruned by anyone. */
export const MAX_SLACK_MS = 500;

/** The window for one process (no database): the same rule as the SQLite store, in memory. */
export class MemoryRateWindow implements RateWindowStore {
  private readonly starts = new Map<string, { at: number; until: number }[]>();

  claim(scope: string, now: number, holdMs: number, limit: number, slackMs: number): number {
    let list = this.starts.get(scope);
    if (!list) {
      list = [];
      this.starts.set(scope, list);
    }
    let live = 0;
    let first = Number.POSITIVE_INFINITY;
    let hold = holdMs;
    for (let i = list.length - 1; i >= 0; i--) {
      const start = list[i]!;
      if (start.until <= now - MAX_SLACK_MS) list.splice(i, 1);
      else if (start.until + slackMs > now) {
        live++;
        first = Math.min(first, start.until);
        hold = Math.max(hold, start.until - start.at);
      }
    }
    if (live < limit) {
      list.push({ at: now, until: Math.ceil(now + hold) });
      return 0;
    }
    return Math.max(1, first + slackMs - now);
  }
}

/**
 * How late this process's event loop has run recently: the longest lateness of a 10 ms timer over the
 * last few seconds. It runs only while the limiter has work, and never keeps the process alive.
 */
export class EventLoopLag {
  private timer: NodeJS.Timeout | null = null;
  private last = 0;
  private idleSince = 0;
  /** Maxima of the last seconds, newest last. */
  private readonly buckets: number[] = [0];
  private bucketStart = 0;

  constructor(
    private readonly busy: () => boolean,
    private readonly intervalMs = 10,
    private readonly keepSeconds = 5,
  ) {}

  /** The recent maximum lateness, in ms. */
  current(): number {
    this.ensureRunning();
    return Math.max(...this.buckets);
  }

  private ensureRunning(): void {
    if (this.timer) return;
    this.last = performance.now();
    this.bucketStart = this.last;
    this.idleSince = 0;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  private tick(): void {
    const now = performance.now();
    const late = Math.max(0, now - this.last - this.intervalMs);
    this.last = now;
    if (now - this.bucketStart >= 1000) {
      this.buckets.push(0);
      if (this.buckets.length > this.keepSeconds) this.buckets.shift();
      this.bucketStart = now;
    }
    this.buckets[this.buckets.length - 1] = Math.max(this.buckets[this.buckets.length - 1]!, late);
    // Stop once idle for the whole memory; the next request starts it again (and it measures again).
    if (this.busy()) this.idleSince = 0;
    else if (this.idleSince === 0) this.idleSince = now;
    else if (now - this.idleSince > this.keepSeconds * 1000) this.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.buckets.splice(0, this.buckets.length, 0);
  }
}

export interface LimiterOptions {
  maxConcurrent: number;
  maxPerSecond: number;
  dailyQuota: number;
  budget: DailyBudgetStore;
  /** The per-second window; a private in-memory one when absent (a single process). */
  window?: RateWindowStore;
  /** Identifies the Gong company (a hash of base URL and key id, never the key itself). */
  scope: string;
  clock: Clock;
  /** Extra occupancy of each start, as a share of the per-second window (default 5%). */
  margin?: number;
  /**
   * Recent event-loop lag in ms, added to how long earlier starts count. Defaults to a measured
   * `EventLoopLag` on the system clock, and to none on any other clock (tests say what they want).
   */
  lag?: () => number;
}

export interface LimiterStats {
  sent: number;
  inFlight: number;
  maxInFlight: number;
  queued: number;
  /** The margin now in force (a share of the window) and how long each start occupies it, in ms. */
  margin: number;
  holdMs: number;
  /** The largest lag slack applied to a claim so far, in ms. */
  maxSlackMs: number;
}

const WINDOW_MS = 1000;
export const DEFAULT_MARGIN = 0.05;
const MAX_MARGIN = 0.2;

export class GongLimiter {
  private readonly bottleneck: Bottleneck;
  private readonly window: RateWindowStore;
  private readonly lag: () => number;
  private readonly lagProbe: EventLoopLag | null = null;
  private holdMs = 0;
  private spacingMs = 0;
  private nextStartAt = 0;
  private margin: number;
  private readonly perWindow: number;
  private pausedUntil = 0;
  private inFlight = 0;
  private maxInFlight = 0;
  private sent = 0;
  private maxSlackMs = 0;

  constructor(private readonly options: LimiterOptions) {
    this.margin = options.margin ?? DEFAULT_MARGIN;
    this.perWindow =
      Number.isInteger(options.maxPerSecond) && options.maxPerSecond >= 1 ? options.maxPerSecond : 1;
    this.bottleneck = new Bottleneck({ maxConcurrent: options.maxConcurrent });
    this.window = options.window ?? new MemoryRateWindow();
    if (options.lag) this.lag = options.lag;
    else if (options.clock === systemClock) {
      const probe = new EventLoopLag(() => {
        const c = this.bottleneck.counts();
        return c.RECEIVED + c.QUEUED + c.RUNNING + c.EXECUTING > 0;
      });
      this.lagProbe = probe;
      this.lag = () => probe.current();
    } else this.lag = () => 0;
    this.applyMargin();
  }

  /**
   * An integer rate allows that many starts per (slightly widened) second; any other rate is enforced
   * as one start per 1/rate seconds.
   */
  private applyMargin(): void {
    const { maxPerSecond } = this.options;
    this.holdMs =
      (WINDOW_MS * (1 + this.margin)) / (this.perWindow === 1 && maxPerSecond !== 1 ? maxPerSecond : 1);
    // Spacing on the injected clock rather than bottleneck's minTime (real timers), so tests run in ms.
    this.spacingMs = Math.ceil(this.holdMs / this.perWindow);
  }

  /**
   * Gong said 429 to a request we spaced within its per-second limit: arrivals bunch by more than the
   * margin (network jitter, a busy event loop). Widen the margin a little, up to 20%.
   */
  noteRateLimited(): void {
    if (this.margin >= MAX_MARGIN) return;
    this.margin = Math.min(MAX_MARGIN, this.margin + 0.02);
    this.applyMargin();
  }

  stats(): LimiterStats {
    return {
      sent: this.sent,
      inFlight: this.inFlight,
      maxInFlight: this.maxInFlight,
      queued: this.bottleneck.counts().QUEUED,
      margin: this.margin,
      holdMs: this.holdMs,
      maxSlackMs: this.maxSlackMs,
    };
  }

  /** Today's daily budget (UTC day) as counted in the shared store, for metrics. */
  budgetToday(): { used: number; quota: number } {
    const now = this.options.clock.now();
    return {
      used: this.options.budget.used(this.options.scope, utcDay(now)),
      quota: this.options.dailyQuota,
    };
  }

  /** Stops every caller from starting a request until `until` (a 429 with Retry-After affects all). */
  pauseUntil(until: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, until);
  }

  /** Stops the lag probe's timer (it is unref'd, so this is tidiness, not a requirement). */
  stop(): void {
    this.lagProbe?.stop();
  }

  /**
   * Runs `send` once a concurrency slot, a per-second slot and a unit of daily budget are available.
   * `where` names the request for the error raised when the budget is spent.
   */
  async run<T>(
    where: { method: string; path: string },
    send: () => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    this.checkBudget(where);
    return this.bottleneck.schedule(async () => {
      signal?.throwIfAborted();
      await this.waitForSlot(signal);
      this.takeBudget(where);
      this.inFlight++;
      this.sent++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      try {
        return await send();
      } finally {
        this.inFlight--;
      }
    });
  }

  private async waitForSlot(signal?: AbortSignal): Promise<void> {
    const { clock, scope } = this.options;
    for (;;) {
      const now = clock.now();
      let wait = Math.max(this.pausedUntil, this.nextStartAt) - now;
      if (wait <= 0) {
        const slack = Math.min(MAX_SLACK_MS, Math.max(0, this.lag()));
        this.maxSlackMs = Math.max(this.maxSlackMs, slack);
        wait = this.window.claim(scope, now, this.holdMs, this.perWindow, slack);
        if (wait <= 0) {
          this.nextStartAt = now + this.spacingMs;
          return;
        }
      }
      await clock.sleep(wait, signal);
    }
  }

  private checkBudget(where: { method: string; path: string }): void {
    const now = this.options.clock.now();
    const used = this.options.budget.used(this.options.scope, utcDay(now));
    if (used >= this.options.dailyQuota) {
      throw new GongQuotaExhaustedError(where, used, this.options.dailyQuota, nextUtcMidnight(now));
    }
  }

  private takeBudget(where: { method: string; path: string }): void {
    this.checkBudget(where);
    this.options.budget.add(this.options.scope, utcDay(this.options.clock.now()), 1);
  }
}
