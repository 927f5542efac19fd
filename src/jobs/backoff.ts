/**
 * How long a job waits after its n-th failed attempt: exponential from `baseMs`, capped at `maxMs`, with
 * "equal jitter" (half fixed, half random) so that jobs failing together do not all retry together, yet
 * every wait is at least half the nominal one.
 */
export interface Backoff {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Required<Backoff> = { baseMs: 5_000, maxMs: 15 * 60_000 };

/** `attempt` counts from 1; `random` returns [0, 1). */
export function backoffDelay(attempt: number, policy: Backoff, random: () => number = Math.random): number {
  const nominal = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(nominal / 2 + (nominal / 2) * random());
}
