import type * as z from "zod";
import { UsageError } from "../errors.js";
import type { DbOrTx, JobRow, JobsRepo } from "../store/jobs.repo.js";
import type { JobDefinition } from "./define.js";

export const DEFAULT_MAX_ATTEMPTS = 5;

export interface EnqueueOptions {
  /** When to run it (default: now). */
  runAt?: Date;
  /** Another job with this key, in any status, makes this enqueue a no-op that returns that job. */
  idempotencyKey?: string;
  maxAttempts?: number;
  /** The caller's transaction, so that a state change and the job it implies commit together. */
  tx?: DbOrTx;
  /** The current instant, from the caller's clock. */
  now: Date;
}

/** Validates the payload with the kind's schema and adds the job. Throws the ZodError of a bad payload. */
export function enqueueJob<S extends z.ZodType>(
  repo: JobsRepo,
  definition: JobDefinition<S>,
  payload: z.input<S>,
  options: EnqueueOptions,
): { job: JobRow; created: boolean } {
  const valid = definition.payload.parse(payload);
  const now = options.now;
  const maxAttempts = options.maxAttempts ?? definition.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
    throw new UsageError(`maxAttempts must be a whole number from 1, got ${maxAttempts}`);
  return repo.enqueue(
    {
      kind: definition.kind,
      payload: valid,
      runAt: options.runAt ?? now,
      maxAttempts,
      idempotencyKey: options.idempotencyKey ?? null,
    },
    now,
    options.tx,
  );
}
