/**
 * Retry rules for Gong, in one place. An injectable clock (octokit's plugin-retry idea) lets tests of
 * back-off run in milliseconds.
 *
 * - 429: wait what `Retry-After` says (seconds or an HTTP date; Gong sends seconds), because Gong's
 *   limits are per company and shared with every other integration. A wait longer than the cap is not
 *   slept through: after the daily quota is spent Gong asks for hours, and the caller must decide.
 * - 5xx, network failures and truncated bodies: exponential back-off with full jitter (AWS architecture
 *   blog, "Exponential Backoff And Jitter"), bounded in attempts and in delay.
 * - 400/401/403 and other 4xx: never retried; the same request would fail the same way.
 */
export interface RetryPolicy {
  /** Retries after the first attempt for 5xx, network errors and malformed bodies. */
  maxRetries: number;
  /** Retries on 429 (each waits Retry-After); a storm longer than this surfaces as an error. */
  max429Retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest Retry-After we sleep through; longer waits become GongRetryAfterTooLongError. */
  retryAfterMaxMs: number;
  /** Wait used when a 429 carries no usable Retry-After. */
  defaultRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxRetries: 4,
  max429Retries: 8,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  retryAfterMaxMs: 120_000,
  defaultRetryAfterMs: 1_000,
};

/** Full jitter: a uniform delay in [0, min(cap, base * 2^attempt)). `attempt` counts from 0. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** Retry-After per RFC 9110 §10.2.3: delay-seconds or an HTTP-date. Returns ms from `now`, or null. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | null {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return null;
  const trimmed = raw.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}
