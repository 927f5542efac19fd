import { randomBytes } from "node:crypto";
import * as z from "zod";
import type { Clock } from "../clock.js";
import { GongopsError } from "../errors.js";
import { type Logger, silentLogger } from "../log.js";
import type { JobRow, JobsRepo } from "../store/jobs.repo.js";
import { PROCESS_OWNER_ID } from "../store/owner.js";
import { type Backoff, backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";
import { type JobContext, type JobDefinition, JobRegistry } from "./define.js";
import { RetryAfterError } from "./errors.js";

/**
 * Runs due jobs: polls, claims by compare-and-set under a lease that a timer renews while the handler
 * works, and writes the outcome under that lease (succeeded; retrying after an exponential back-off;
 * waiting without spending an attempt on a RetryAfterError; dead when the attempts are spent). Every
 * process sharing the database may run one: a job runs in one of them at a time, and a job whose process
 * died is taken over once its lease expires. Each kind has its own room (its `concurrency`) and each run
 * a deadline, so that long runs of one kind never keep another kind waiting. `gongops start` starts one
 * and stops it on the way out.
 */
export interface JobWorkerSettings {
  /** Jobs of one kind run at once by this worker, for kinds that do not set their own. */
  concurrency: number;
  /** How long one run may take, for kinds that do not set their own. */
  deadlineMs: number;
  /** How often to look for due jobs when idle. A finished job looks again at once. */
  pollMs: number;
  /** How long a claim lasts without renewal: the wait before a dead process's job is taken over. */
  leaseMs: number;
  /** How long stop() waits for running jobs before giving them back to the queue. */
  stopGraceMs: number;
  /** Succeeded and dead jobs are deleted this long after they finished (looked at once an hour). */
  retentionMs: number;
  backoff: Backoff;
}

export const DEFAULT_WORKER_SETTINGS: Required<JobWorkerSettings> = {
  concurrency: 2,
  deadlineMs: 15 * 60_000,
  pollMs: 1_000,
  leaseMs: 60_000,
  stopGraceMs: 10_000,
  retentionMs: 30 * 86_400_000,
  backoff: DEFAULT_BACKOFF,
};

export interface JobWorkerOptions extends Partial<JobWorkerSettings> {
  repo: JobsRepo;
  jobs: JobRegistry | readonly JobDefinition[];
  log?: Logger;
  /** Whose leases these are (default: this process's id). */
  owner?: string;
  /** The one clock (src/clock.ts): leases, back-off and polling. */
  clock: Clock;
  /** [0, 1), for back-off jitter. */
  random?: () => number;
  /** Called when a job goes dead, after it is logged (e.g. to tell the admins). */
  onDead?: (job: JobRow) => void;
}

interface Running {
  job: JobRow;
  token: string;
  controller: AbortController;
  renewTimer: unknown;
  deadlineTimer: unknown;
  /**
   * Its outcome is settled without the handler: given back to the queue by stop(), or failed at its
   * deadline. Whatever the handler does next is not recorded.
   */
  givenBack: boolean;
  done: Promise<void>;
}

const MAX_ERROR_LENGTH = 2_000;
const PRUNE_EVERY_MS = 3_600_000;
/**
 * How often a polling worker writes its heartbeat (store: worker_heartbeats), so that `gongops doctor`
 * can tell a running worker from one that stopped or died: one small write every half minute.
 */
export const HEARTBEAT_EVERY_MS = 30_000;

/** What last_error keeps: the code and message (coded errors carry no secrets), never a stack. */
export function describeError(error: unknown): string {
  const text =
    error instanceof GongopsError
      ? `${error.code}: ${error.message}`
      : error instanceof z.ZodError
        ? z.prettifyError(error)
        : error instanceof Error
          ? error.message || error.name
          : String(error);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}

export class JobWorker {
  private readonly settings: JobWorkerSettings;
  private readonly registry: JobRegistry;
  private readonly repo: JobsRepo;
  private readonly log: Logger;
  private readonly owner: string;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly onDead: (job: JobRow) => void;
  private readonly inFlight = new Map<number, Running>();
  private running = false;
  private pollTimer: unknown;
  private lastReap = Number.NEGATIVE_INFINITY;
  private lastPrune = Number.NEGATIVE_INFINITY;
  private lastBeat = Number.NEGATIVE_INFINITY;
  private stopping: Promise<void> = Promise.resolve();

  constructor(options: JobWorkerOptions) {
    const { repo, jobs, log, owner, clock, random, onDead, ...settings } = options;
    this.settings = { ...DEFAULT_WORKER_SETTINGS, ...settings };
    this.registry = jobs instanceof JobRegistry ? jobs : new JobRegistry(jobs);
    this.repo = repo;
    this.log = log ?? silentLogger;
    this.owner = owner ?? PROCESS_OWNER_ID;
    this.clock = clock;
    this.random = random ?? Math.random;
    this.onDead = onDead ?? (() => {});
  }

  /** Starts polling (the first look is immediate). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.log.info("job worker started", {
      owner: this.owner,
      kinds: this.registry.kinds(),
      concurrencyPerKind: this.settings.concurrency,
    });
    this.beat(true);
    this.tick();
  }

  /** Looks for due jobs now, e.g. right after enqueueing one in this process. */
  wake(): void {
    if (this.running) this.tick();
  }

  /** Jobs this worker is running now. */
  active(): number {
    return this.inFlight.size;
  }

  /** Resolves once no job is running here (jobs waiting for their time do not count). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()].map((r) => r.done));
  }

  /**
   * Stops claiming, waits up to stopGraceMs for the running jobs, and gives the ones still running back
   * to the queue (due now, the attempt not spent) so another process can take them at once instead of
   * waiting for the lease to expire. Their handlers are aborted; what they do afterwards is ignored.
   */
  stop(): Promise<void> {
    if (this.running) {
      this.running = false;
      this.stopping = this.drain();
    }
    return this.stopping;
  }

  private async drain(): Promise<void> {
    this.clock.clearTimeout(this.pollTimer);
    if (this.inFlight.size > 0) {
      let graceTimer: unknown;
      const grace = new Promise<void>((resolve) => {
        graceTimer = this.clock.setTimeout(resolve, this.settings.stopGraceMs);
      });
      await Promise.race([this.idle(), grace]);
      this.clock.clearTimeout(graceTimer);
    }
    this.giveBackRunning();
    this.log.info("job worker stopped", { owner: this.owner });
  }

  /** Writes this worker's heartbeat (at start, and at most every HEARTBEAT_EVERY_MS); never throws. */
  private beat(started = false): void {
    const now = this.clock.now();
    if (!started && now - this.lastBeat < HEARTBEAT_EVERY_MS) return;
    this.lastBeat = now;
    try {
      this.repo.beat(this.owner, this.registry.kinds(), new Date(now), started);
    } catch (error) {
      this.log.warn("could not write the job worker's heartbeat", { error: describeError(error) });
    }
  }

  /**
   * Gives every job still running here back to the queue (due now, the attempt not spent) and aborts
   * its handler, synchronously: stop() does it after its grace, and a process that must exit before
   * then (its own stop grace is over) calls it on the way out, so no job waits for its lease to expire.
   */
  giveBackRunning(): void {
    this.running = false;
    this.clock.clearTimeout(this.pollTimer);
    // A worker that started says it stopped (`gongops doctor` then says so rather than "died"), once:
    // a process on its way out calls this again after the database has closed.
    if (this.lastBeat > Number.NEGATIVE_INFINITY) {
      this.lastBeat = Number.NEGATIVE_INFINITY;
      try {
        this.repo.stopped(this.owner, new Date(this.clock.now()));
      } catch (error) {
        this.log.warn("could not record that the job worker stopped", { error: describeError(error) });
      }
    }
    for (const r of this.inFlight.values()) {
      if (r.givenBack) continue;
      r.givenBack = true;
      this.clock.clearTimeout(r.renewTimer);
      this.clock.clearTimeout(r.deadlineTimer);
      r.controller.abort(new Error("the job worker is stopping"));
      const now = new Date(this.clock.now());
      try {
        if (this.repo.giveBack(r.job.id, r.token, now, null, now))
          this.log.info("job given back to the queue", { id: r.job.id, kind: r.job.kind });
      } catch (error) {
        this.log.error("could not give a job back; it is taken over when its lease expires", {
          id: r.job.id,
          error: describeError(error),
        });
      }
    }
  }

  private readonly tick = (): void => {
    if (!this.running) return;
    this.clock.clearTimeout(this.pollTimer);
    try {
      const now = this.clock.now();
      const kinds = this.registry.kinds();
      this.beat();
      // Reaping is a write: once per poll interval is plenty, not after every finished job.
      if (now - this.lastReap >= this.settings.pollMs) {
        this.lastReap = now;
        for (const dead of this.repo.buryExpired(kinds, new Date(now))) this.reportDead(dead);
      }
      if (now - this.lastPrune >= PRUNE_EVERY_MS) {
        this.lastPrune = now;
        const pruned = this.repo.prune(new Date(now - this.settings.retentionMs));
        if (pruned > 0) this.log.info("deleted finished jobs past their retention", { jobs: pruned });
      }
      for (;;) {
        const room = this.kindsWithRoom();
        if (room.length === 0) break;
        const job = this.repo.claim({
          owner: this.owner,
          token: `${this.owner}:${randomBytes(6).toString("hex")}`,
          kinds: room,
          now: new Date(this.clock.now()),
          leaseMs: this.settings.leaseMs,
        });
        if (!job) break;
        this.launch(job);
      }
    } catch (error) {
      // SQLITE_BUSY beyond the busy timeout, say: the next poll tries again.
      this.log.error("job queue poll failed", { error: describeError(error) });
    }
    this.pollTimer = this.clock.setTimeout(this.tick, this.settings.pollMs);
  };

  /** The kinds with a free slot: fewer of their jobs running here than their concurrency. */
  private kindsWithRoom(): string[] {
    const running = new Map<string, number>();
    for (const r of this.inFlight.values()) running.set(r.job.kind, (running.get(r.job.kind) ?? 0) + 1);
    return this.registry
      .kinds()
      .filter(
        (kind) =>
          (running.get(kind) ?? 0) < (this.registry.get(kind)!.concurrency ?? this.settings.concurrency),
      );
  }

  private launch(job: JobRow): void {
    const r: Running = {
      job,
      token: job.leaseToken!,
      controller: new AbortController(),
      renewTimer: undefined,
      deadlineTimer: undefined,
      givenBack: false,
      done: Promise.resolve(),
    };
    this.inFlight.set(job.id, r);
    const deadlineMs = this.registry.get(job.kind)!.deadlineMs ?? this.settings.deadlineMs;
    r.deadlineTimer = this.clock.setTimeout(() => this.overrun(r, deadlineMs), deadlineMs);
    if (job.attempts > 1) this.log.info("job attempt", { id: job.id, kind: job.kind, attempt: job.attempts });
    r.done = this.execute(r)
      .catch((error) =>
        this.log.error("job bookkeeping failed; the job runs again once its lease expires", {
          id: job.id,
          error: describeError(error),
        }),
      )
      .finally(() => {
        this.clock.clearTimeout(r.renewTimer);
        this.clock.clearTimeout(r.deadlineTimer);
        // Past its deadline the slot was freed already, and the job may be running here again.
        if (this.inFlight.get(job.id) === r) this.inFlight.delete(job.id);
        this.tick();
      });
  }

  /**
   * A run past its deadline: aborted, recorded as a failed attempt (retried after the back-off, or dead
   * when it was the last), and its slot freed at once. A handler that ignores the abort records nothing:
   * its lease is gone.
   */
  private overrun(r: Running, deadlineMs: number): void {
    if (r.givenBack || this.inFlight.get(r.job.id) !== r) return;
    r.givenBack = true;
    this.clock.clearTimeout(r.renewTimer);
    const error = `ran past its deadline of ${Math.round(deadlineMs / 1000)} s`;
    r.controller.abort(new Error(`the job ${error}`));
    this.log.warn("job ran past its deadline; stopped", { id: r.job.id, kind: r.job.kind, deadlineMs });
    try {
      this.finishFailed(r, error, false);
    } catch (e) {
      this.log.error("could not record a job past its deadline; it runs again once its lease expires", {
        id: r.job.id,
        error: describeError(e),
      });
    }
    this.inFlight.delete(r.job.id);
    this.tick();
  }

  private scheduleRenewal(r: Running): void {
    const every = Math.max(1, Math.floor(this.settings.leaseMs / 3));
    r.renewTimer = this.clock.setTimeout(() => {
      if (r.givenBack || r.controller.signal.aborted) return;
      const now = this.clock.now();
      let held: boolean;
      try {
        held = this.repo.renew(r.job.id, r.token, new Date(now + this.settings.leaseMs), new Date(now));
      } catch (error) {
        this.log.warn("job lease renewal failed; trying again", {
          id: r.job.id,
          error: describeError(error),
        });
        held = true;
      }
      if (held) this.scheduleRenewal(r);
      else {
        this.log.warn("job lost its lease to another process; stopping it, its outcome is not recorded", {
          id: r.job.id,
          kind: r.job.kind,
        });
        r.controller.abort(new Error("the job's lease was lost"));
      }
    }, every);
  }

  private async execute(r: Running): Promise<void> {
    const { job, token } = r;
    const definition = this.registry.get(job.kind)!;
    const parsed = definition.payload.safeParse(job.payload);
    if (!parsed.success) {
      // No attempt can fix a payload its kind does not accept.
      this.finishFailed(r, `payload invalid: ${z.prettifyError(parsed.error)}`, true);
      return;
    }
    const ctx: JobContext = {
      id: job.id,
      kind: job.kind,
      attempt: job.attempts,
      maxAttempts: job.maxAttempts,
      signal: r.controller.signal,
      log: this.log.child(job.kind),
    };
    this.scheduleRenewal(r);
    try {
      await definition.run(parsed.data, ctx);
    } catch (error) {
      if (r.givenBack) return;
      if (error instanceof RetryAfterError) {
        const now = this.clock.now();
        const at = error.at(now);
        if (this.repo.giveBack(job.id, token, at, `waiting: ${describeError(error)}`, new Date(now)))
          this.log.info("job waits without spending an attempt", {
            id: job.id,
            kind: job.kind,
            until: at.toISOString(),
          });
        else this.lostLease(r);
        return;
      }
      this.finishFailed(r, describeError(error), false);
      return;
    }
    if (r.givenBack) return;
    if (this.repo.succeed(job.id, token, new Date(this.clock.now())))
      this.log.debug("job succeeded", { id: job.id, kind: job.kind, attempt: job.attempts });
    else this.lostLease(r);
  }

  private finishFailed(r: Running, error: string, hopeless: boolean): void {
    const { job, token } = r;
    const now = this.clock.now();
    const dead = hopeless || job.attempts >= job.maxAttempts;
    const retryAt = dead
      ? null
      : new Date(now + backoffDelay(job.attempts, this.settings.backoff, this.random));
    if (!this.repo.fail(job.id, token, error, retryAt, new Date(now))) {
      this.lostLease(r);
      return;
    }
    if (retryAt)
      this.log.warn("job failed; it will be retried", {
        id: job.id,
        kind: job.kind,
        attempt: job.attempts,
        of: job.maxAttempts,
        retryAt: retryAt.toISOString(),
        error,
      });
    else this.reportDead(this.repo.get(job.id) ?? job);
  }

  private reportDead(job: JobRow): void {
    this.log.error("job is dead: it failed every attempt; `gongops jobs retry` runs it again", {
      id: job.id,
      kind: job.kind,
      attempts: job.attempts,
      error: job.lastError,
    });
    try {
      const definition = this.registry.get(job.kind);
      const payload = definition?.payload.safeParse(job.payload);
      if (definition?.onDead && payload?.success) definition.onDead(payload.data, job.lastError);
      this.onDead(job);
    } catch (error) {
      this.log.error("onDead hook failed", { id: job.id, error: describeError(error) });
    }
  }

  private lostLease(r: Running): void {
    this.log.warn("job finished after losing its lease; its outcome is not recorded", {
      id: r.job.id,
      kind: r.job.kind,
    });
  }
}
