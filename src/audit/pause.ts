import { GongopsError } from "../errors.js";
import {
  GongCursorRejectedError,
  GongNetworkError,
  GongQuotaExhaustedError,
  GongRateLimitError,
  GongResponseError,
  GongRetryAfterTooLongError,
  GongServerError,
} from "../gong/errors.js";
import { isDbBusy } from "../store/db.js";

/**
 * What an audit does when its work throws: pause (resumable, with the time it may go on) or fail (no
 * retry can fix it). A pure function with the clock passed in, so the rule is tested on its own.
 *
 * - Pause until Gong allows: our daily budget is spent (until it resets), Gong asked for a long
 *   Retry-After (until then).
 * - Pause with back-off: what a retry can fix once the moment passes, after the client's own retries
 *   gave up: 5xx, network failures, a 429 storm, a malformed or short listing, a rejected cursor,
 *   SQLite busy. The wait doubles with each pause that made no progress, from `baseMs` to `maxMs`.
 * - Pause now: the user or the process asked to stop.
 * - Fail: everything else (401/403, a bad request, a bug): the same request would fail the same way.
 */
export type PauseKind = "quota" | "retry-after" | "transient" | "interrupted";

export type PauseDecision =
  | { action: "pause"; kind: PauseKind; resumeAt: Date; reason: string }
  | { action: "fail"; reason: string };

export interface PausePolicy {
  baseMs: number;
  maxMs: number;
}

export const defaultPausePolicy: Required<PausePolicy> = { baseMs: 30_000, maxMs: 30 * 60_000 };

export interface PauseInput {
  now: Date;
  /** The run was asked to stop (Ctrl-C, SIGTERM, the app shutting down). */
  aborted: boolean;
  /** Back-off pauses in a row that made no progress before this one. */
  transientPauses: number;
  policy?: PausePolicy;
}

/** Errors that a later attempt can get past without anyone changing anything. */
export function isTransient(error: unknown): boolean {
  return (
    error instanceof GongServerError ||
    error instanceof GongNetworkError ||
    error instanceof GongRateLimitError ||
    error instanceof GongResponseError ||
    error instanceof GongCursorRejectedError ||
    isDbBusy(error)
  );
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function pauseOrFail(error: unknown, input: PauseInput): PauseDecision {
  const { now } = input;
  if (error instanceof GongQuotaExhaustedError) {
    return {
      action: "pause",
      kind: "quota",
      resumeAt: error.resetAt,
      reason: "the daily Gong request budget is spent",
    };
  }
  if (error instanceof GongRetryAfterTooLongError) {
    return {
      action: "pause",
      kind: "retry-after",
      resumeAt: error.retryAt,
      reason: "Gong asked to wait (HTTP 429 Retry-After)",
    };
  }
  if (input.aborted) return { action: "pause", kind: "interrupted", resumeAt: now, reason: "interrupted" };
  if (isTransient(error)) {
    const policy = input.policy ?? defaultPausePolicy;
    const wait = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, input.transientPauses));
    return {
      action: "pause",
      kind: "transient",
      resumeAt: new Date(now.getTime() + wait),
      reason: `${message(error)}; retrying later`,
    };
  }
  return { action: "fail", reason: error instanceof GongopsError ? error.message : message(error) };
}
