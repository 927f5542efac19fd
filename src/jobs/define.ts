import type * as z from "zod";
import type { Logger } from "../log.js";

/**
 * A kind of job: its name, the zod schema of its payload (checked when it is enqueued and again when it
 * is claimed, since the row may have been written by another version of gongops), and what running it
 * does. A handler must tolerate running again after a crash: a job whose process died mid-run is taken
 * over and runs from the start.
 */
export interface JobContext {
  id: number;
  kind: string;
  /** 1 for the first attempt; a RetryAfter does not count. */
  attempt: number;
  maxAttempts: number;
  /** Aborted when the lease is lost or a stopping worker gives the job back: stop, nothing is kept. */
  signal: AbortSignal;
  log: Logger;
}

export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  kind: string;
  payload: S;
  run(payload: z.output<S>, ctx: JobContext): Promise<void>;
  /**
   * The domain outcome of a job that died (every attempt failed, or its lease ran out on the last one):
   * what it was doing must not stay stuck silently. Called once, with the last error.
   */
  onDead?(payload: z.output<S>, lastError: string | null): void;
  /** Someone runs the job again by hand (`gongops jobs retry`): record it, and undo what onDead did. */
  onRetry?(payload: z.output<S>, by: string): void;
  /** Attempts before the job is dead (default 5). */
  maxAttempts?: number;
  /**
   * Jobs of this kind one worker runs at once (default: the worker's `concurrency`). Each kind has its
   * own room: long audits never hold the slots that notifications, approvals and timers need.
   */
  concurrency?: number;
  /**
   * How long one run may take (default: the worker's `deadlineMs`). A run past it is aborted and counts
   * as a failed attempt (retried after the back-off); its slot is free at once.
   */
  deadlineMs?: number;
}

export function defineJob<S extends z.ZodType>(definition: JobDefinition<S>): JobDefinition<S> {
  return definition;
}

/** The kinds a worker runs, by name. */
export class JobRegistry {
  private readonly byKind = new Map<string, JobDefinition>();

  constructor(definitions: readonly JobDefinition[] = []) {
    for (const d of definitions) this.register(d);
  }

  register(definition: JobDefinition): this {
    if (this.byKind.has(definition.kind)) throw new Error(`job kind "${definition.kind}" is defined twice`);
    this.byKind.set(definition.kind, definition);
    return this;
  }

  get(kind: string): JobDefinition | undefined {
    return this.byKind.get(kind);
  }

  kinds(): string[] {
    return [...this.byKind.keys()];
  }
}
