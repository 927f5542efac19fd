import type { webApi } from "@slack/bolt";
import * as z from "zod";
import { AuditPausedError, type AuditProgress, type AuditService } from "../audit/audit.service.js";
import { type AuditReport, inactiveCsvInChunks, inactiveCsvTitle } from "../audit/report.js";
import type { ActivityRule } from "../audit/state.js";
import type { Clock } from "../clock.js";
import { InterruptedError, LockHeldError, UsageError } from "../errors.js";
import { defineJob, enqueueJob, RetryAfterError } from "../jobs/index.js";
import type { LeaversBrief } from "../leavers/types.js";
import type { Logger } from "../log.js";
import type { ApprovalsRepo } from "../store/approvals.repo.js";
import type { AuditsRepo } from "../store/audits.repo.js";
import type { DirectoryRepo } from "../store/directory.repo.js";
import type { JobsRepo } from "../store/jobs.repo.js";
import { utcMinute } from "../time.js";
import { summaryPage } from "./auditSummary.js";
import { auditProgressBlocks, auditStoppedBlocks } from "./blocks/audit.js";
import type { Block } from "./blocks/common.js";
import { section } from "./blocks/common.js";
import { uploadCsv } from "./csvUpload.js";
import { explainError } from "./explain.js";
import { type MessageUpdater, messageUpdater, updateUntilTaken } from "./messageUpdater.js";
import { escapeMrkdwn } from "./mrkdwn.js";

type WebClient = webApi.WebClient;

/**
 * Runs audits asked for in Slack: one message in the channel that shows progress (chat.update, at most
 * every couple of seconds), then the summary a page at a time, with the full list attached as CSV. A run
 * that pauses (spent quota, long Retry-After) says so in the same message and resumes there on its own
 * when Gong allows.
 */
export interface AuditRunnerDeps {
  audit: AuditService;
  audits: AuditsRepo;
  /** Where resumes wait, durably (jobs/). */
  jobs: JobsRepo;
  /** Deactivation requests, for each flagged user's state in the summary. */
  approvals?: ApprovalsRepo;
  directory: DirectoryRepo;
  /** Who left and still holds a seat, for the summary's leavers line. */
  leavers?: { brief(): LeaversBrief };
  log: Logger;
  /** The one clock (src/clock.ts). */
  clock: Clock;
  /** Called after each audit ends or pauses (App Home refresh). */
  onChange: () => void;
  updateEveryMs?: number;
  /** How long the final message is retried while Slack refuses it (429, network). */
  finalUpdateWindowMs?: number;
}

const resumePayload = z.object({
  runId: z.number().int().positive(),
  channel: z.string().min(1),
  ts: z.string().min(1),
  startedBy: z.string().min(1),
  days: z.number().int().positive(),
});

export type StartOutcome =
  | { started: true; channel: string; ts: string }
  | { started: false; reason: string };

interface ActiveRun {
  channel: string;
  ts: string;
  runId: number | null;
  controller: AbortController;
  done: Promise<void>;
  activity?: ActivityRule;
}

export class SlackAuditRunner {
  /** Audits this process is running, by message. (The audit lock allows one at a time.) */
  private readonly active = new Set<ActiveRun>();
  /** Set when the app starts; the resume job posts with it. */
  private client: WebClient | null = null;
  /** Resumes a paused or interrupted audit in its message (see enqueueResume). */
  readonly resumeJob = defineJob({
    kind: "slack-audit-resume",
    payload: resumePayload,
    maxAttempts: 5,
    // One audit runs at a time anyway (its lock); a whole audit of a large org may take hours.
    concurrency: 1,
    deadlineMs: 6 * 3_600_000,
    run: (p, job) => this.resumeFromJob(p, job.signal),
  });
  /** Finished reports by run, for turning pages without rebuilding them (a few, newest kept). */
  private readonly reports = new Map<number, AuditReport>();

  constructor(private readonly deps: AuditRunnerDeps) {}

  /** Where the running audit is, in words (with a link when this process runs it). */
  async whereIsRunning(client: WebClient): Promise<string | null> {
    const running = this.deps.audit.running();
    if (!running) return null;
    const here = [...this.active][0];
    if (here) {
      const link = await client.chat
        .getPermalink({ channel: here.channel, message_ts: here.ts })
        .then((r) => r.permalink)
        .catch(() => null);
      return `An audit is already running${link ? `: <${link}|see its progress>` : ` in <#${here.channel}>`}.`;
    }
    return `An audit is already running (${running.by}, since ${utcMinute(running.since)} UTC).`;
  }

  async start(
    client: WebClient,
    channel: string,
    userId: string,
    days: number,
    activity?: ActivityRule,
  ): Promise<StartOutcome> {
    const where = await this.whereIsRunning(client);
    if (where) return { started: false, reason: where };
    const posted = await client.chat
      .postMessage({
        channel,
        text: `Inactive-user audit (${days} days) starting…`,
        blocks: auditProgressBlocks(days, null, userId),
      })
      .catch((error: { data?: { error?: string } }) => {
        const code = error.data?.error;
        if (code === "not_in_channel" || code === "channel_not_found" || code === "is_archived") {
          throw new UsageError(
            "I can't post in this channel. Invite @gongops to it, or run the audit from a public channel.",
          );
        }
        throw error;
      });
    this.launch(client, channel, posted.ts!, userId, days, null, activity);
    return { started: true, channel, ts: posted.ts! };
  }

  /**
   * After a restart: messages whose last update never reached Slack are rendered again, and the audit
   * a message follows is picked up (a paused one when Gong allows, one left running by a process that
   * stopped now). A lease still held by the process before the restart (kill -9, a container restart)
   * is waited out: recovery tries again when it expires.
   */
  recover(client: WebClient): void {
    this.client = client;
    void this.rerender(client);
    const run = this.deps.audits.latestUnfinished();
    const post = run ? this.deps.audits.postOf(run.id) : null;
    if (!run || !post || run.status === "failed") return;
    this.deps.log.info("resuming the audit a Slack message follows", { run: run.id, status: run.status });
    const at = run.status === "paused" && run.resumeAt ? Date.parse(run.resumeAt) : this.deps.clock.now();
    // Keyed by how far the run got: every process that recovers the same interruption enqueues one job.
    this.enqueueResume(post, run.lookbackDays, at, `${run.resumeAt ?? "interrupted"}:${run.requestsUsed}`);
  }

  /** Renders again the final state of messages whose last update did not go out. */
  private async rerender(client: WebClient): Promise<void> {
    for (const post of this.deps.audits.postsToRender()) {
      try {
        const report = this.deps.audit.report(post.runId);
        await this.renderFinal(client, post, report, null);
      } catch (error) {
        this.deps.log.warn("could not render an audit message again", {
          run: post.runId,
          err: error,
        });
      }
    }
  }

  private launch(
    client: WebClient,
    channel: string,
    ts: string,
    userId: string,
    days: number,
    resumeRunId: number | null,
    /** The rule of a new run (a resumed run keeps its own). */
    activity?: ActivityRule,
  ): ActiveRun {
    const entry: ActiveRun = {
      activity,
      channel,
      ts,
      runId: resumeRunId,
      controller: new AbortController(),
      done: Promise.resolve(),
    };
    this.active.add(entry);
    entry.done = this.run(client, entry, userId, days).finally(() => this.active.delete(entry));
    return entry;
  }

  private async run(client: WebClient, entry: ActiveRun, userId: string, days: number): Promise<void> {
    const { audit, audits, log } = this.deps;
    const { channel, ts } = entry;
    const updater = this.updater(client, channel, ts);
    const onProgress = (p: AuditProgress) => {
      if (p.runId !== undefined && entry.runId === null) {
        entry.runId = p.runId;
        audits.savePost({ runId: p.runId, channel, ts, startedBy: userId });
      }
      updater.push(
        `Inactive-user audit: ${p.phase}`,
        auditProgressBlocks(days, p, userId),
        p.phase === "done",
      );
    };
    const request = { trigger: `slack by ${userId}`, onProgress, signal: entry.controller.signal };
    if (entry.runId !== null) audits.updatePost(entry.runId, { finalRendered: false });
    let report: AuditReport;
    try {
      report =
        entry.runId === null
          ? await audit.start({ ...request, days, activity: entry.activity, fresh: true })
          : await audit.resume(entry.runId, request);
    } catch (error) {
      await updater.stop();
      if (error instanceof LockHeldError) {
        // Another audit holds the lock (one in another process, or the lease of a process that died):
        // this one waits its turn instead of being dropped.
        if (entry.runId !== null) {
          const holder = audit.running();
          const at = (holder?.until.getTime() ?? this.deps.clock.now()) + 1000;
          this.enqueueResume(
            { runId: entry.runId, channel, ts, startedBy: userId },
            days,
            at,
            `waiting:${at}`,
          );
          await this.updateUntilDone(client, channel, ts, "Inactive-user audit waiting", [
            section(
              `:double_vertical_bar: Another audit is running; this one continues when it is done (${escapeMrkdwn(holder?.by ?? "")}).`,
            ),
          ]).catch(() => {});
          return;
        }
      } else if (!(error instanceof AuditPausedError)) {
        log.error("audit from Slack failed", { err: error });
      }
      const text = escapeMrkdwn(explainError(error));
      await this.updateUntilDone(client, channel, ts, text, [section(`:x: ${text}`)]).catch(() => {});
      this.deps.onChange();
      return;
    }
    await updater.stop();
    const post = audits.postOf(report.runId) ?? {
      runId: report.runId,
      channel,
      ts,
      startedBy: userId,
      csvDelivered: null,
      finalRendered: false,
    };
    const stopping = entry.controller.signal.aborted;
    await this.renderFinal(client, post, report, stopping ? "stopping" : null).catch((error: unknown) =>
      log.warn("the audit message could not be updated", {
        run: report.runId,
        err: error,
      }),
    );
    if (report.status === "paused" && report.resumeAt && !stopping) {
      // A wait Gong imposed ends a little late, so the first request does not meet the old limit.
      const gongSaidWait = report.error?.includes("budget") || report.error?.includes("Retry-After");
      const at = Date.parse(report.resumeAt) + (gongSaidWait ? 30_000 : 0);
      this.enqueueResume({ runId: report.runId, channel, ts, startedBy: userId }, days, at, report.resumeAt);
    }
    this.deps.onChange();
  }

  /**
   * The run's end state in its message: the summary with the CSV (attached first, so that the message
   * only says "attached" once it is), or where it stopped and when it goes on. Retried until Slack
   * takes it, and recorded, so that a restart renders it again if it never went out.
   */
  private async renderFinal(
    client: WebClient,
    post: {
      runId: number;
      channel: string;
      ts: string;
      startedBy: string;
      csvDelivered: "thread" | "dm" | null;
    },
    report: AuditReport,
    stopping: "stopping" | null,
  ): Promise<void> {
    const { audits } = this.deps;
    if (report.status === "running") return;
    if (report.status === "succeeded") {
      this.remember(report);
      let csv = post.csvDelivered;
      if (csv === null && report.inactive.length > 0) {
        csv = await uploadCsv(client, this.deps.log, {
          channel: post.channel,
          ts: post.ts,
          file: {
            filename: `gong-inactive-users-${report.lookBack.lastDay}.csv`,
            title: inactiveCsvTitle(report),
            file: Buffer.from(
              await inactiveCsvInChunks(report, await this.deps.audit.managersInTurns(report)),
              "utf8",
            ),
          },
          comment: `All ${report.inactive.length} inactive users of audit ${report.runId}.`,
          dmTo: post.startedBy,
          dmComment: `All ${report.inactive.length} inactive users of audit ${report.runId}: I can't attach files in <#${post.channel}>, so here they are.`,
          about: { run: report.runId },
        });
        if (csv) audits.updatePost(report.runId, { csvDelivered: csv });
      }
      await this.updateUntilDone(
        client,
        post.channel,
        post.ts,
        `Inactive-user audit: ${report.summary.inactive} of ${report.summary.candidates} active users ${report.rule === "any" ? "showed no Gong activity" : "hosted no call"}`,
        summaryPage(report, 0, this.deps, { where: csv, startedBy: post.startedBy }),
      );
    } else {
      const explanation =
        report.status !== "paused"
          ? (report.error ?? "It stopped.")
          : stopping
            ? "gongops is restarting. It continues when gongops is back."
            : `${report.error ?? "Paused"}. It continues on its own${report.resumeAt ? ` at ${utcMinute(report.resumeAt)} UTC` : ""}.`;
      await this.updateUntilDone(
        client,
        post.channel,
        post.ts,
        `Inactive-user audit ${report.status}`,
        auditStoppedBlocks(report, explanation),
      );
    }
    audits.updatePost(report.runId, { finalRendered: true });
  }

  /**
   * chat.update until Slack takes it: a 429 waits what Slack asks, a network failure backs off; an
   * answer no retry can change (the message or channel is gone, the blocks are refused) is thrown.
   */
  /**
   * A durable resume: a job that survives restarts and runs once across processes. `key` names the
   * pause it ends, so that every process that sees the same pause enqueues the same job.
   */
  private enqueueResume(
    post: { runId: number; channel: string; ts: string; startedBy: string },
    days: number,
    at: number,
    key: string,
  ): void {
    enqueueJob(
      this.deps.jobs,
      this.resumeJob,
      { ...post, days },
      {
        runAt: new Date(Math.max(at, this.deps.clock.now())),
        now: new Date(this.deps.clock.now()),
        idempotencyKey: `slack-audit-resume:${post.runId}:${key}`,
      },
    );
  }

  /**
   * The resume job's work: continue the run in its message. Safe to run twice (a run already over only
   * has its message rendered again if needed); while another audit holds the lock, it waits for that
   * lease without spending an attempt.
   */
  private async resumeFromJob(p: z.output<typeof resumePayload>, signal: AbortSignal): Promise<void> {
    const { audit, audits } = this.deps;
    const client = this.client;
    if (!client) throw new Error("the Slack client is not ready yet");
    const run = audits.get(p.runId);
    if (!run) return;
    if (run.status === "succeeded" || run.status === "failed") {
      const post = audits.postOf(run.id);
      if (post && !post.finalRendered) await this.renderFinal(client, post, audit.report(run.id), null);
      return;
    }
    const holder = audit.running();
    if (holder)
      throw new RetryAfterError(new Date(holder.until.getTime() + 1000), "another audit holds the lock");
    const entry = this.launch(client, p.channel, p.ts, p.startedBy, p.days, p.runId);
    const stop = () => entry.controller.abort(new InterruptedError("gongops is stopping"));
    signal.addEventListener("abort", stop, { once: true });
    try {
      await entry.done;
    } finally {
      signal.removeEventListener("abort", stop);
    }
  }

  /** The report of a finished run, for paging (kept for the few newest runs). */
  reportFor(runId: number): AuditReport {
    const cached = this.reports.get(runId);
    if (cached) return cached;
    const report = this.deps.audit.report(runId);
    if (report.status === "succeeded") this.remember(report);
    return report;
  }

  private remember(report: AuditReport): void {
    this.reports.set(report.runId, report);
    while (this.reports.size > 5) this.reports.delete(this.reports.keys().next().value!);
  }

  /** Pauses running audits (a job resumes them when the app starts again). */
  async stop(): Promise<void> {
    for (const entry of this.active) entry.controller.abort(new Error("gongops is stopping"));
    await Promise.allSettled([...this.active].map((e) => e.done));
  }

  /** The final state of a message: retried until Slack takes it (429s as asked, else backing off). */
  private updateUntilDone(
    client: WebClient,
    channel: string,
    ts: string,
    text: string,
    blocks: Block[],
  ): Promise<void> {
    return updateUntilTaken((t, b) => client.chat.update({ channel, ts, text: t, blocks: b }), text, blocks, {
      clock: this.deps.clock,
      log: this.deps.log,
      windowMs: this.deps.finalUpdateWindowMs ?? 15 * 60_000,
    });
  }

  private updater(client: WebClient, channel: string, ts: string): MessageUpdater {
    return messageUpdater({
      send: (text, blocks) => client.chat.update({ channel, ts, text, blocks }),
      everyMs: this.deps.updateEveryMs ?? 2000,
      onError: (error) => this.deps.log.warn("could not update the audit message", { err: error }),
      clock: this.deps.clock,
    });
  }
}
