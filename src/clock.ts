/**
 * The one clock. It is made where the app is wired (`context.ts`, or a face's own start-up for the few
 * things that run before a context exists) and passed to everything that reads the time: the Gong
 * limiter's budget day, Retry-After instants, leases, the job worker, schedules, audits and approvals.
 * Nothing else in `src/` reads the system time, except Slack's signature timestamp, a JWT's `iat` and
 * durations measured with `performance.now()` (a test enforces this).
 *
 * One shape: the instant in ms since the epoch, and the timers that wait on it. Tests pin it with
 * `clockFrom(instant)` (time flows from that instant at real speed, so per-second windows still open)
 * or drive it by hand with a virtual clock.
 */
export interface Clock {
  /** The current instant, in ms since the epoch. */
  now(): number;
  /** Resolves after `ms` (rejects with the signal's reason when it aborts first). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** A one-shot timer that never keeps the process alive on its own (its owner decides when to stop). */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

function sleepFor(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function unrefTimeout(fn: () => void, ms: number): NodeJS.Timeout {
  const t = setTimeout(fn, ms);
  t.unref();
  return t;
}

/** The system's clock: the one place in `src/` (outside the simulator) that reads the wall time. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: sleepFor,
  setTimeout: unrefTimeout,
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * A clock that reads `start` now and flows at real speed from there (real timers). Tests pin "today"
 * with it; the simulator and the context under test then share one "now", whatever the machine's date.
 */
export function clockFrom(start: Date | number): Clock {
  const startMs = typeof start === "number" ? start : start.getTime();
  const origin = performance.now();
  return { ...systemClock, now: () => startMs + (performance.now() - origin) };
}

/** The clock's instant as a Date. */
export function nowDate(clock: Pick<Clock, "now">): Date {
  return new Date(clock.now());
}

/** The UTC day of an instant, `YYYY-MM-DD`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The next UTC midnight after an instant (when a per-UTC-day budget or cap resets). */
export function nextUtcMidnight(ms: number): Date {
  const d = new Date(ms);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1));
}
