import * as z from "zod";
import type { Clock } from "../clock.js";
import type { Digest } from "../digest/digest.js";
import type { DigestService } from "../digest/digest.service.js";
import type { DirectorySync, SyncResult } from "../directory/sync.service.js";
import { GongopsError, LockHeldError } from "../errors.js";
import { defineJob } from "../jobs/define.js";
import { enqueueJob } from "../jobs/enqueue.js";
import { RetryAfterError } from "../jobs/errors.js";
import type { Logger } from "../log.js";
import type { JobsRepo } from "../store/jobs.repo.js";
import type { ScheduleRow, SchedulesRepo } from "../store/schedules.repo.js";
import { dueSlot, formatInZone, nextRuns } from "./cron.js";

/**
 * Runs schedules on the job queue. The tick (ScheduleTicker) enqueues each due slot as a
 * `schedule-run` job keyed `schedule:<id>:<due ISO>`, in one BEGIN IMMEDIATE transaction with the
 * schedule's `last_due_at`: every process may tick, a slot becomes one job. The job syncs or builds the
 * digest and hands it to the face (ScheduleOutput) to post.
 */

/** The channel refuses the bot (not_in_channel, channel_not_found, is_archived): no retry can fix it. */
export class ChannelUnavailableError extends GongopsError {
  constructor(
    readonly channel: string,
    readonly reason: string,
  ) {
    super("SLACK_UNAVAILABLE", `cannot post in ${channel} (${reason})`);
  }
}

export interface RunNote {
  dueAt: Date;
  /** Was due at dueAt but runs late (downtime): the message says so. */
  delayed: boolean;
}

/** Where runs are posted: the Slack face implements it; throws ChannelUnavailableError or RetryAfterError. */
export interface ScheduleOutput {
  postDigest(
    schedule: ScheduleRow,
    digest: Digest,
    note: RunNote,
  ): Promise<{ channel: string; ts: string } | null>;
  postSync(schedule: ScheduleRow, result: SyncResult, note: RunNote): Promise<void>;
  /** Throws ChannelUnavailableError when the schedule's channel cannot take a post (checked first). */
  checkChannel?(schedule: ScheduleRow): Promise<void>;
  /** Tells the admins and the schedule's creator that it is failing. */
  notifyFailing(schedule: ScheduleRow, reason: string): Promise<void>;
}

export const schedulePayload = z.object({
  scheduleId: z.number().int().positive(),
  dueAt: z.iso.datetime(),
  delayed: z.boolean(),
  /** Asked for by a person (`schedule run`), not by the clock. */
  manual: z.boolean().default(false),
});

export interface ScheduleRunnerDeps {
  schedules: SchedulesRepo;
  jobs: JobsRepo;
  sync: DirectorySync | null;
  digests: DigestService | null;
  output: ScheduleOutput | null;
  log: Logger;
  /** GONGOPS_SCHEDULE_MAX_LATE_HOURS. */
  maxLateMs: number;
  defaultDays: number;
  clock: Clock;
  /** Called after a tick enqueued something (the worker looks for it at once). */
  onEnqueued?: () => void;
}

export function scheduleJobKey(scheduleId: number, dueAt: Date): string {
  return `schedule:${scheduleId}:${dueAt.toISOString()}`;
}

export class ScheduleRunner {
  readonly job = defineJob({
    kind: "schedule-run",
    // A digest is an audit: one at a time, and it may take hours on a large org.
    concurrency: 1,
    deadlineMs: 6 * 3_600_000,
    payload: schedulePayload,
    maxAttempts: 3,
    run: (p, ctx) => this.run(p, ctx.signal, ctx.attempt >= ctx.maxAttempts),
  });
  private readonly clock: Clock;
  private timer: unknown;
  private running = false;

  constructor(private readonly deps: ScheduleRunnerDeps) {
    this.clock = deps.clock;
  }

  /**
   * One tick: every schedule that is not paused gets its newest due slot enqueued once (delayed when
   * late, passed over when later than the limit). Returns when the next slot of any schedule is.
   */
  tick(): Date | null {
    const { schedules, log } = this.deps;
    const now = new Date(this.clock.now());
    let soonest: Date | null = null;
    let enqueued = 0;
    for (const s of schedules.active()) {
      try {
        // A cheap read first: the write lock is taken only when a slot is due.
        const nextAt = nextRuns(s.cron, s.timezone, now, 1)[0] ?? null;
        if (nextAt && (!soonest || nextAt < soonest)) soonest = nextAt;
        if (dueSlot(s, s.lastDueAt ?? s.createdAt, now, this.deps.maxLateMs).kind === "none") continue;
        const decision = schedules.immediate((tx) => {
          const fresh = schedules.get(s.id, tx);
          if (!fresh || fresh.paused) return null;
          const d = dueSlot(fresh, fresh.lastDueAt ?? fresh.createdAt, now, this.deps.maxLateMs);
          if (d.kind === "none") return d;
          schedules.advanceDue(fresh.id, d.dueAt, tx);
          if (d.kind === "too-late") {
            schedules.update(
              fresh.id,
              {
                lastResult: `skipped: the run due at ${d.dueAt.toISOString()} was more than ${this.deps.maxLateMs / 3_600_000} h late`,
              },
              tx,
            );
            return d;
          }
          const { created } = enqueueJob(
            this.deps.jobs,
            this.job,
            { scheduleId: fresh.id, dueAt: d.dueAt.toISOString(), delayed: d.delayed, manual: false },
            { runAt: now, idempotencyKey: scheduleJobKey(fresh.id, d.dueAt), tx, now },
          );
          if (created) enqueued++;
          return d;
        });
        if (decision?.kind === "too-late")
          log.warn("a scheduled run was passed over: too late to run", {
            schedule: s.id,
            dueAt: decision.dueAt.toISOString(),
          });
        if (decision?.kind === "run" && decision.delayed)
          log.info("a scheduled run is late (the process was down)", {
            schedule: s.id,
            dueAt: decision.dueAt.toISOString(),
          });
      } catch (error) {
        log.error("schedule tick failed", { schedule: s.id, reason: (error as Error).message });
      }
    }
    if (enqueued > 0) this.deps.onEnqueued?.();
    return soonest;
  }

  /** Ticks now, then at each schedule's next slot and at least every `everyMs` (schedules added elsewhere). */
  start(everyMs = 60_000): void {
    if (this.running) return;
    this.running = true;
    const loop = () => {
      if (!this.running) return;
      const next = this.tick();
      const now = this.clock.now();
      const wait = next ? Math.min(everyMs, Math.max(0, next.getTime() - now)) : everyMs;
      this.timer = this.clock.setTimeout(loop, wait);
    };
    loop();
  }

  stop(): void {
    this.running = false;
    this.clock.clearTimeout(this.timer);
  }

  /** `schedule run <id>`: one run now, whatever the cron says. */
  runNow(scheduleId: number): { jobId: number } {
    const now = new Date(this.clock.now());
    const { job } = enqueueJob(
      this.deps.jobs,
      this.job,
      { scheduleId, dueAt: now.toISOString(), delayed: false, manual: true },
      { runAt: now, idempotencyKey: `${scheduleJobKey(scheduleId, now)}:manual`, now },
    );
    this.deps.onEnqueued?.();
    return { jobId: job.id };
  }

  private async run(
    p: z.output<typeof schedulePayload>,
    signal: AbortSignal,
    lastAttempt: boolean,
  ): Promise<void> {
    const { schedules, log } = this.deps;
    const s = schedules.get(p.scheduleId);
    if (!s) return log.info("schedule was removed; its run is dropped", { schedule: p.scheduleId });
    if (s.paused && !p.manual) return log.info("schedule is paused; its run is dropped", { schedule: s.id });
    const note: RunNote = { dueAt: new Date(p.dueAt), delayed: p.delayed };
    const key = p.manual ? `${scheduleJobKey(s.id, note.dueAt)}:manual` : scheduleJobKey(s.id, note.dueAt);
    const finish = (result: string) =>
      schedules.update(s.id, { lastRunAt: new Date(this.clock.now()), lastResult: result });
    try {
      const result =
        s.kind === "sync" ? await this.runSync(s, note, signal) : await this.runDigest(s, note, key, signal);
      finish(result);
      if (s.failing) schedules.update(s.id, { failing: null, failingSince: null });
    } catch (error) {
      if (error instanceof ChannelUnavailableError) {
        // No retry can fix a channel that refuses the bot: mark it, tell people, and stop here.
        const reason = `cannot post in ${error.channel} (${error.reason})`;
        const row = schedules.update(s.id, {
          failing: reason,
          failingSince: s.failingSince ?? new Date(this.clock.now()),
          lastRunAt: new Date(this.clock.now()),
          lastResult: `failed: ${reason}`,
        })!;
        log.warn("schedule is failing: its channel refuses the bot", {
          schedule: s.id,
          reason: error.reason,
        });
        const output = this.deps.output;
        // Told once when it starts failing, not at every slot while it stays so (App Home keeps showing it).
        if (output && !s.failing)
          await output.notifyFailing(row, reason).catch((e: unknown) =>
            log.warn("could not tell anyone that a schedule is failing", {
              schedule: s.id,
              reason: (e as Error).message,
            }),
          );
        return;
      }
      if (error instanceof RetryAfterError) throw error;
      if (lastAttempt) finish(`failed: ${(error as Error).message}`);
      throw error;
    }
  }

  private async runSync(s: ScheduleRow, note: RunNote, signal: AbortSignal): Promise<string> {
    const sync = this.deps.sync;
    if (!sync) throw new GongopsError("CONFIG_INVALID", "no Gong credentials: a scheduled sync cannot run");
    let result: SyncResult;
    try {
      result = await sync.run({ trigger: `schedule ${s.id}`, signal });
    } catch (error) {
      if (error instanceof LockHeldError) {
        // Another sync is running (another process, or a schedule of the same minute): wait for it.
        throw new RetryAfterError(30_000, error.message);
      }
      throw error;
    }
    if (s.channel && this.deps.output) await this.deps.output.postSync(s, result, note);
    return `ok: synced ${result.run.usersSeen} users (sync run ${result.run.id})`;
  }

  private async runDigest(s: ScheduleRow, note: RunNote, key: string, signal: AbortSignal): Promise<string> {
    const digests = this.deps.digests;
    if (!digests)
      throw new GongopsError("CONFIG_INVALID", "no Gong credentials: a scheduled digest cannot run");
    // A channel that refuses the bot is found out now, not after an audit that cost Gong requests.
    if (s.channel && this.deps.output?.checkChannel) await this.deps.output.checkChannel(s);
    const { digest, record } = await digests.build({
      days: s.options.days ?? this.deps.defaultDays,
      trigger: `schedule ${s.id}`,
      scheduleId: s.id,
      runKey: key,
      // Schedules due together (same look-back and rule) share the run the first of them starts.
      shareFrom: note.dueAt,
      signal,
    });
    const summary = `${digest.headline.inactive} of ${digest.headline.activeUsers} inactive`;
    if (record?.postedTs) return `ok: ${summary} (already posted)`;
    if (!digest.news && s.options.skipIfUnchanged)
      return `ok: ${summary}, no change, not posted (--skip-if-unchanged)`;
    const posted = this.deps.output ? await this.deps.output.postDigest(s, digest, note) : null;
    if (posted && record) this.deps.schedules.markPosted(record.id, posted.channel, posted.ts);
    return `ok: ${summary}${note.delayed ? ` (delayed, was due at ${formatInZone(note.dueAt, s.timezone)})` : ""}`;
  }
}
