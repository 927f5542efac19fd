import Bottleneck from "bottleneck";
import { GongQuotaExhaustedError } from "./errors.js";
import type { Timing } from "./retry.js";

/**
 * One limiter per Gong company, shared by every caller in the process (sync, audit, lookups, SCIM).
 * Gong's limits are per company, so two features that each "stay under 3" together would not.
 * gong-api-facts.md: the seed documents 3 concurrent requests, Gong's public docs 3 per second and
 * 10,000 per day; all three are enforced, each a setting.
 *
 * - concurrency: bottleneck's maxConcurrent counts a request from send until its body is read.
 * - per second: bottleneck's minTime spaces starts evenly, and a sliding window over the actual send
 *   times (with a small margin for network jitter between our send and Gong's clock) guarantees that no
 *   1-second window ever holds more than `maxPerSecond` starts, even after an event-loop stall.
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

export interface LimiterOptions {
  maxConcurrent: number;
  maxPerSecond: number;
  dailyQuota: number;
  budget: DailyBudgetStore;
  /** Identifies the Gong company (a hash of base URL and key id, never the key itself). */
  scope: string;
  timing: Timing;
  /** Extra spacing, as a share of the per-second window, absorbed by jitter on the way to Gong. */
  jitterMargin?: number;
}

export interface LimiterStats {
  sent: number;
  inFlight: number;
  maxInFlight: number;
  queued: number;
}

const WINDOW_MS = 1000;

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function nextUtcMidnight(ms: number): Date {
  const d = new Date(ms);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1));
}

export class GongLimiter {
  private readonly bottleneck: Bottleneck;
  private readonly recentStarts: number[] = [];
  private windowMs = 0;
  private margin: number;
  private readonly perWindow: number;
  private pausedUntil = 0;
  private inFlight = 0;
  private maxInFlight = 0;
  private sent = 0;

  constructor(private readonly options: LimiterOptions) {
    this.margin = options.jitterMargin ?? 0.05;
    this.perWindow =
      Number.isInteger(options.maxPerSecond) && options.maxPerSecond >= 1 ? options.maxPerSecond : 1;
    this.bottleneck = new Bottleneck({ maxConcurrent: options.maxConcurrent });
    this.applyMargin();
  }

  /**
   * An integer rate allows that many starts per (slightly widened) second; any other rate is enforced
   * as one start per 1/rate seconds.
   */
  private applyMargin(): void {
    const { maxPerSecond } = this.options;
    this.windowMs =
      (WINDOW_MS * (1 + this.margin)) / (this.perWindow === 1 && maxPerSecond !== 1 ? maxPerSecond : 1);
    this.bottleneck.updateSettings({ minTime: Math.ceil(this.windowMs / this.perWindow) });
  }

  /**
   * Gong said 429 to a request we spaced within its per-second limit: our clock and Gong's disagree by
   * more than the margin (network jitter, a busy event loop). Widen the margin a little, up to 20%.
   */
  noteRateLimited(): void {
    if (this.margin >= 0.2) return;
    this.margin = Math.min(0.2, this.margin + 0.02);
    this.applyMargin();
  }
  stats(): LimiterStats {
    return {
      sent: this.sent,
      inFlight: this.inFlight,
      maxInFlight: this.maxInFlight,
      queued: this.bottleneck.counts().QUEUED,
    };
  }

  /** Stops every caller from starting a request until `until` (a 429 with Retry-After affects all). */
  pauseUntil(until: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, until);
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
    const { timing } = this.options;
    for (;;) {
      const now = timing.now();
      while (this.recentStarts.length > 0 && now - this.recentStarts[0]! >= this.windowMs)
        this.recentStarts.shift();
      let wait = this.pausedUntil - now;
      if (this.recentStarts.length >= this.perWindow) {
        wait = Math.max(wait, this.recentStarts[0]! + this.windowMs - now);
      }
      if (wait <= 0) {
        this.recentStarts.push(now);
        return;
      }
      await timing.sleep(wait, signal);
    }
  }

  private checkBudget(where: { method: string; path: string }): void {
    const now = this.options.timing.now();
    const used = this.options.budget.used(this.options.scope, utcDay(now));
    if (used >= this.options.dailyQuota) {
      throw new GongQuotaExhaustedError(where, used, this.options.dailyQuota, nextUtcMidnight(now));
    }
  }

  private takeBudget(where: { method: string; path: string }): void {
    this.checkBudget(where);
    this.options.budget.add(this.options.scope, utcDay(this.options.timing.now()), 1);
  }
}
