import { type Clock, systemClock } from "../../src/clock.js";

/** Lets every pending promise chain run (no real I/O happens in these tests' handlers). */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Virtual time: timers fire only when a test advances the clock, in due order, with
 * promises settled between them, so back-off and leases of minutes take no real time.
 */
export class VirtualClock implements Clock {
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  constructor(private t: number) {}

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Resolves when the clock is advanced past `ms` from now (or rejects when `signal` aborts first). */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const id = this.setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        this.clearTimeout(id);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers)
        if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
    await settle();
  }
}

/**
 * Real time from a chosen instant, which a test can move: `jumpTo` sets "now" (each audit of a
 * boundary test starts exactly at its instant), `jump` skips ahead (a snapshot that grew stale). Time
 * flows at real speed in between, so per-second windows and real timers still work.
 */
export class ShiftableClock implements Clock {
  private base: number;
  private origin = performance.now();

  constructor(start: number | Date) {
    this.base = typeof start === "number" ? start : start.getTime();
  }

  now(): number {
    return this.base + (performance.now() - this.origin);
  }

  jumpTo(at: number): void {
    this.base = at;
    this.origin = performance.now();
  }

  jump(ms: number): void {
    this.jumpTo(this.now() + ms);
  }

  sleep = systemClock.sleep;
  setTimeout = systemClock.setTimeout;
  clearTimeout = systemClock.clearTimeout;
}
