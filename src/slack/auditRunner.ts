import type { webApi } from "@slack/bolt";
import { AuditPausedError, type AuditProgress, type AuditService } from "../audit/audit.service.js";
import { type AuditReport, inactiveCsv } from "../audit/report.js";
import type { ActivityRule } from "../audit/state.js";
import { displayName } from "../directory/names.js";
import { LockHeldError, UsageError } from "../errors.js";
import type { Logger } from "../log.js";
import type { AuditsRepo } from "../store/audits.repo.js";
import type { DirectoryRepo } from "../store/directory.repo.js";
import { auditProgressBlocks, auditStoppedBlocks, auditSummaryBlocks } from "./blocks/audit.js";
import type { Block } from "./blocks/common.js";
import { explainError } from "./explain.js";
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
  directory: DirectoryRepo;
  log: Logger;
  /** Called after each audit ends or pauses (App Home refresh). */
  onChange: () => void;
  updateEveryMs?: number;
}

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
  private readonly resumeTimers = new Set<NodeJS.Timeout>();
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
    return `An audit is already running (${running.by}, since ${running.since.toISOString().slice(0, 16).replace("T", " ")} UTC).`;
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
   * Picks up, after a restart, the audit a Slack message was following: a paused one resumes when Gong
   * allows, one left running by a process that stopped resumes now.
   */
  recover(client: WebClient): void {
    const run = this.deps.audits.latestUnfinished();
    const post = run ? this.deps.audits.postOf(run.id) : null;
    if (!run || !post || run.status === "failed" || this.deps.audit.running()) return;
    this.deps.log.info("resuming the audit a Slack message follows", { run: run.id, status: run.status });
    const at = run.status === "paused" && run.resumeAt ? Date.parse(run.resumeAt) : Date.now();
    this.scheduleResume(client, post.channel, post.ts, post.startedBy, run.lookbackDays, run.id, at);
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
  ): void {
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
    let report: AuditReport;
    try {
      report =
        entry.runId === null
          ? await audit.start({ ...request, days, activity: entry.activity })
          : await audit.resume(entry.runId, request);
    } catch (error) {
      const text = escapeMrkdwn(explainError(error));
      if (!(error instanceof AuditPausedError) && !(error instanceof LockHeldError)) {
        log.error("audit from Slack failed", { reason: (error as Error).message });
      }
      await updater.final(text, [
        { type: "section", text: { type: "mrkdwn", text: `:x: ${text}`, verbatim: true } },
      ]);
      this.deps.onChange();
      return;
    }
    if (report.status === "succeeded") {
      this.remember(report);
      await updater.final(
        `Inactive-user audit: ${report.summary.inactive} of ${report.summary.candidates} active users ${report.rule === "any" ? "showed no Gong activity" : "hosted no call"}`,
        auditSummaryBlocks(report, 0, this.managerNames(report)),
      );
      await this.attachCsv(client, channel, ts, report);
    } else {
      const stopping = entry.controller.signal.aborted;
      const explanation =
        report.status !== "paused"
          ? (report.error ?? "It stopped.")
          : stopping
            ? "gongops is restarting. It continues when gongops is back."
            : `${report.error ?? "Paused"}. It continues on its own${report.resumeAt ? ` at ${report.resumeAt.slice(0, 16).replace("T", " ")} UTC` : ""}.`;
      await updater.final(`Inactive-user audit ${report.status}`, auditStoppedBlocks(report, explanation));
      if (report.status === "paused" && report.resumeAt && !stopping) {
        this.scheduleResume(client, channel, ts, userId, days, report.runId, Date.parse(report.resumeAt));
      }
    }
    this.deps.onChange();
  }

  private scheduleResume(
    client: WebClient,
    channel: string,
    ts: string,
    userId: string,
    days: number,
    runId: number,
    at: number,
  ): void {
    // A wait Gong imposed ends a little late, so the first request does not meet the old limit.
    const delay = Math.max(1000, at > Date.now() ? at - Date.now() + 30_000 : 0);
    const timer = setTimeout(() => {
      this.resumeTimers.delete(timer);
      if (this.deps.audit.running()) return;
      this.launch(client, channel, ts, userId, days, runId);
    }, delay);
    timer.unref();
    this.resumeTimers.add(timer);
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

  /** Stops resume timers and pauses running audits (they resume when the app starts again). */
  async stop(): Promise<void> {
    for (const t of this.resumeTimers) clearTimeout(t);
    this.resumeTimers.clear();
    for (const entry of this.active) entry.controller.abort(new Error("gongops is stopping"));
    await Promise.allSettled([...this.active].map((e) => e.done));
  }

  /** Display names of the inactive users' managers, from the current directory snapshot. */
  managerNames(report: AuditReport): Map<string, string> {
    const gen = this.deps.directory.state()?.gen;
    const ids = [...new Set(report.inactive.map((u) => u.managerId).filter((m): m is string => Boolean(m)))];
    const names = new Map<string, string>();
    if (gen === undefined) return names;
    for (const row of this.deps.directory.byIds(gen, ids)) names.set(row.id, displayName(row));
    return names;
  }

  private async attachCsv(
    client: WebClient,
    channel: string,
    ts: string,
    report: AuditReport,
  ): Promise<void> {
    if (report.inactive.length === 0) return;
    try {
      const csv = inactiveCsv(report);
      await client.filesUploadV2({
        channel_id: channel,
        thread_ts: ts,
        filename: `gong-inactive-users-${report.to.slice(0, 10)}.csv`,
        title: `Inactive Gong users (${report.lookbackDays} days to ${report.to.slice(0, 10)})`,
        file: Buffer.from(csv, "utf8"),
        initial_comment: `All ${report.inactive.length} inactive users of audit ${report.runId}.`,
      });
    } catch (error) {
      this.deps.log.warn("could not attach the audit CSV", {
        run: report.runId,
        reason: (error as Error).message,
      });
    }
  }

  /**
   * chat.update, throttled: the newest progress view goes out at most every `updateEveryMs`; updates
   * never overlap, and the final one always goes out last.
   */
  private updater(client: WebClient, channel: string, ts: string) {
    const every = this.deps.updateEveryMs ?? 2000;
    let pending: { text: string; blocks: Block[] } | null = null;
    let lastSent = 0;
    let chain: Promise<void> = Promise.resolve();
    let timer: NodeJS.Timeout | null = null;
    const send = (text: string, blocks: Block[]) => {
      chain = chain
        .then(() => client.chat.update({ channel, ts, text, blocks }))
        .then(
          () => undefined,
          (error: unknown) =>
            this.deps.log.warn("could not update the audit message", { reason: (error as Error).message }),
        );
      lastSent = Date.now();
      return chain;
    };
    const flush = () => {
      timer = null;
      if (pending) {
        const p = pending;
        pending = null;
        void send(p.text, p.blocks);
      }
    };
    return {
      push: (text: string, blocks: Block[], now = false) => {
        pending = { text, blocks };
        if (now || Date.now() - lastSent >= every) flush();
        else timer ??= setTimeout(flush, every - (Date.now() - lastSent));
      },
      final: async (text: string, blocks: Block[]) => {
        if (timer) clearTimeout(timer);
        timer = null;
        pending = null;
        await send(text, blocks);
      },
    };
  }
}
