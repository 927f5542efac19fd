/**
 * Thrown by a job's handler to say "not now, try at this time" (Gong's or Slack's Retry-After, a spent
 * daily quota). The job waits until then without spending an attempt: being told to wait is not a failure.
 */
export class RetryAfterError extends Error {
  readonly retryAt: Date | null;
  readonly delayMs: number | null;

  /** `when`: a delay in milliseconds from the moment the worker sees the error, or an instant. */
  constructor(when: number | Date, message?: string, options?: { cause?: unknown }) {
    super(
      message ?? (typeof when === "number" ? `retry after ${when} ms` : `retry at ${when.toISOString()}`),
      options,
    );
    this.name = "RetryAfterError";
    this.delayMs = typeof when === "number" ? Math.max(0, when) : null;
    this.retryAt = typeof when === "number" ? null : when;
  }

  /** When the job may run again, given the current instant. */
  at(now: number): Date {
    return this.retryAt ?? new Date(now + (this.delayMs ?? 0));
  }
}
