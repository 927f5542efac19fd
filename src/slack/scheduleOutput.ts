import { webApi } from "@slack/bolt";
import { inactiveCsvTitle } from "../audit/report.js";
import type { Config } from "../config.js";
import type { AppContext } from "../context.js";
import { toCsv } from "../csv.js";
import type { Digest } from "../digest/digest.js";
import { digestLookBack, idleWords } from "../digest/digest.js";
import type { SyncResult } from "../directory/sync.service.js";
import { RetryAfterError } from "../jobs/errors.js";
import type { Logger } from "../log.js";
import { formatInZone } from "../schedules/cron.js";
import {
  ChannelUnavailableError,
  type RunNote,
  type ScheduleOutput,
  ScheduleRunner,
} from "../schedules/runner.js";
import { isSlackUserId } from "../slackIds.js";
import type { ScheduleRow } from "../store/schedules.repo.js";
import { reclaimedText } from "../trend/chart.js";
import { TREND_DAYS, type TrendService } from "../trend/trend.service.js";
import { type Block, context, section } from "./blocks/common.js";
import { digestBlocks } from "./blocks/digest.js";
import { uploadCsv } from "./csvUpload.js";
import { ACTIONS } from "./ids.js";
import { escapeMrkdwn } from "./mrkdwn.js";
import { slackClientOptions } from "./webClient.js";

/**
 * Posts schedule runs in Slack. Its own WebClient rejects a 429 instead of sleeping through it, so that
 * the job waits (RetryAfterError, no attempt spent) and posts once; a channel that refuses the bot is a
 * ChannelUnavailableError, which marks the schedule failing instead of retrying. The CSV goes in the
 * message's thread (public channels joined first), else to the schedule's creator by DM.
 */
const UNPOSTABLE = new Set(["not_in_channel", "channel_not_found", "is_archived"]);
const CSV_COLUMNS = ["id", "name", "email", "title", "managerId", "managerName"] as const;

export interface SlackScheduleOutputDeps {
  client: webApi.WebClient;
  adminUserIds: readonly string[];
  log: Logger;
  /** App Home refresh (the failing schedule shows there). */
  onFailing?: () => void;
  /**
   * The approvals flow's button action, once it exists (null until then): the digest then offers admins
   * "Request deactivation for these N", its value naming the audit run whose inactive users they are.
   */
  approvalsActionId?: string | null;
  /** The trend chart, uploaded in each digest's thread (none when absent). */
  trend?: Pick<TrendService, "chart" | "chartUploaded" | "reclaimed"> | null;
  /** A chart was uploaded (App Home shows the newest). */
  onChart?: () => void;
}

/** A WebClient for schedule posts: Slack's 429 comes back as an error, not a sleep. */
export function scheduleClient(config: Config): webApi.WebClient {
  return new webApi.WebClient(
    config.slack.botToken?.reveal(),
    slackClientOptions(config, {
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 1, factor: 1, minTimeout: 200, maxTimeout: 1000 },
    }),
  );
}

function slackError(error: unknown): { code: string | null; retryAfter: number | null } {
  const e = error as { code?: string; data?: { error?: string }; retryAfter?: number };
  if (e.code === "slack_webapi_rate_limited_error")
    return { code: "ratelimited", retryAfter: typeof e.retryAfter === "number" ? e.retryAfter : 30 };
  return { code: e.data?.error ?? null, retryAfter: null };
}

export class SlackScheduleOutput implements ScheduleOutput {
  constructor(private readonly deps: SlackScheduleOutputDeps) {}

  /** chat.postMessage, with Slack's refusals turned into what the job understands. */
  private async post(channel: string, text: string, blocks: Block[]): Promise<string> {
    try {
      const r = await this.deps.client.chat.postMessage({ channel, text, blocks });
      return r.ts!;
    } catch (error) {
      const { code, retryAfter } = slackError(error);
      if (retryAfter !== null)
        throw new RetryAfterError(retryAfter * 1000, `Slack asked to wait ${retryAfter} s`);
      if (code && UNPOSTABLE.has(code)) throw new ChannelUnavailableError(channel, code);
      throw error;
    }
  }

  /**
   * Can the schedule's channel take a post? Asked before the audit runs (conversations.info): a
   * channel that is gone or archived, or private without the bot, refuses. An install without
   * channels:read or groups:read cannot tell; the post then decides, as before.
   */
  async checkChannel(s: ScheduleRow): Promise<void> {
    const channel = s.channel!;
    let c: { is_archived?: boolean; is_private?: boolean; is_member?: boolean };
    try {
      c = ((await this.deps.client.conversations.info({ channel })).channel ?? {}) as typeof c;
    } catch (error) {
      const { code, retryAfter } = slackError(error);
      if (retryAfter !== null)
        throw new RetryAfterError(retryAfter * 1000, `Slack asked to wait ${retryAfter} s`);
      if (code && UNPOSTABLE.has(code)) throw new ChannelUnavailableError(channel, code);
      this.deps.log.debug("could not check the schedule's channel before its run", { schedule: s.id, code });
      return;
    }
    if (c.is_archived) throw new ChannelUnavailableError(channel, "is_archived");
    if (c.is_private && c.is_member === false) throw new ChannelUnavailableError(channel, "not_in_channel");
  }

  private delayedNote(s: ScheduleRow, note: RunNote): string | null {
    return note.delayed ? `Delayed: this run was due at ${formatInZone(note.dueAt, s.timezone)}.` : null;
  }

  async postDigest(s: ScheduleRow, digest: Digest, note: RunNote) {
    const channel = s.channel!;
    const actionId = this.deps.approvalsActionId ?? null;
    const options = {
      delayedNote: this.delayedNote(s, note),
      csvNote: null,
      requestAction: actionId ? { actionId, value: String(digest.auditRunId) } : null,
    };
    const text =
      `Gong seats: ${digest.headline.inactive} of ${digest.headline.activeUsers} active users ${idleWords(digest)}` +
      (note.delayed ? " (delayed)" : "");
    const ts = await this.post(channel, text, digestBlocks(digest, options));
    if (digest.inactive.length > 0 && (digest.news || !digest.since)) {
      const where = await uploadCsv(this.deps.client, this.deps.log, {
        channel,
        ts,
        file: {
          filename: `gong-inactive-users-${digestLookBack(digest).lastDay}.csv`,
          title: inactiveCsvTitle({ lookbackDays: digest.lookbackDays, lookBack: digestLookBack(digest) }),
          file: Buffer.from(toCsv(digest.inactive, CSV_COLUMNS), "utf8"),
        },
        comment: `All ${digest.inactive.length} inactive users.`,
        dmTo: s.createdBy,
        dmComment: `All ${digest.inactive.length} inactive users of schedule ${s.id}: I can't attach files in <#${channel}>.`,
        about: { schedule: s.id },
      });
      const csvNote =
        where === "thread"
          ? "the full list is attached as CSV in the thread"
          : where === "dm"
            ? `the full list was sent to <@${s.createdBy}> as a CSV`
            : "the CSV could not be attached here; `gongops digest --json` exports it";
      // Said once it is there; a refused update leaves the message as it was, which is still true.
      await this.deps.client.chat
        .update({ channel, ts, text, blocks: digestBlocks(digest, { ...options, csvNote }) })
        .catch((error: unknown) =>
          this.deps.log.warn("could not add the CSV note to the digest", {
            reason: (error as Error).message,
          }),
        );
    }
    await this.attachChart(s, channel, ts);
    return { channel, ts };
  }

  async postSync(s: ScheduleRow, result: SyncResult, note: RunNote): Promise<void> {
    const counts = Object.entries(result.run.counts)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} ${k.replace("_", " ")}`)
      .join(", ");
    const text = `Directory synced: ${result.run.usersSeen} users, ${counts || "no changes"}.`;
    const late = this.delayedNote(s, note);
    await this.post(s.channel!, text, [
      section(`:arrows_counterclockwise: ${escapeMrkdwn(text)}`),
      context(escapeMrkdwn(`Schedule ${s.id}${late ? ` · ${late}` : ""}`)),
    ]);
  }

  /** A DM to whoever made the schedule (the admins when it was made from the terminal), and App Home. */
  async notifyFailing(s: ScheduleRow, reason: string): Promise<void> {
    const to = isSlackUserId(s.createdBy) ? [s.createdBy] : [...this.deps.adminUserIds];
    const text =
      `:warning: Schedule ${s.id} (${s.kind}) is failing: ${reason}. Invite @gongops to <#${s.channel}>, or ` +
      `change the schedule (\`/gong schedule remove ${s.id}\` and add it again).`;
    for (const user of to) {
      try {
        const dm = await this.deps.client.conversations.open({ users: user });
        if (dm.channel?.id)
          await this.deps.client.chat.postMessage({ channel: dm.channel.id, text, blocks: [section(text)] });
      } catch (error) {
        this.deps.log.warn("could not DM about a failing schedule", {
          user,
          reason: (error as Error).message,
        });
      }
    }
    this.deps.onFailing?.();
  }

  /**
   * The trend chart, as a PNG in the digest's thread, its alt text carrying the numbers. Whatever goes
   * wrong (drawing, a channel that refuses uploads, Slack asking to wait) is logged and the digest goes
   * on without it: the chart is never a reason to post a digest again.
   */
  private async attachChart(s: ScheduleRow, channel: string, ts: string): Promise<void> {
    const { client, log, trend } = this.deps;
    if (!trend) return;
    try {
      const chart = await trend.chart(TREND_DAYS);
      const reclaimed = trend.reclaimed();
      await client.conversations.join({ channel }).catch(() => {});
      const day = chart.data.today;
      const uploaded = (await client.filesUploadV2({
        channel_id: channel,
        thread_ts: ts,
        file: chart.png,
        filename: `gong-unused-seats-${day}.png`,
        title: `Unused Gong seats to ${day}`,
        alt_text: chart.altText,
        initial_comment: `:chart_with_downwards_trend: Unused Gong seats over time. Reclaimed so far: ${reclaimedText({ reclaimed, currency: reclaimed.currency })}.`,
      })) as { files?: { files?: { id?: string }[] }[] };
      const fileId = uploaded.files?.[0]?.files?.[0]?.id;
      if (!fileId) throw new Error("Slack answered the upload without a file id");
      trend.chartUploaded({ fileId, channel, threadTs: ts, altText: chart.altText });
      this.deps.onChart?.();
    } catch (error) {
      log.warn("could not upload the trend chart with the digest", {
        schedule: s.id,
        reason: (error as Error).message,
      });
    }
  }
}

/** The schedule runner of the Slack app: posts through its own client, tells admins, wakes the worker. */
export function slackScheduleRunner(
  ctx: AppContext,
  o: { log: Logger; onChange: () => void; onEnqueued: () => void },
): ScheduleRunner {
  const output = new SlackScheduleOutput({
    client: scheduleClient(ctx.config),
    adminUserIds: ctx.config.access.adminUserIds,
    log: o.log,
    onFailing: o.onChange,
    // "Request deactivation for these N" opens the same request modal as an audit summary's button.
    approvalsActionId: ACTIONS.requestFromAudit,
    trend: ctx.trend,
    onChart: o.onChange,
  });
  return new ScheduleRunner({
    schedules: ctx.repos.schedules,
    jobs: ctx.repos.jobs,
    sync: ctx.directory.sync,
    digests: ctx.digests,
    output,
    log: o.log,
    clock: ctx.clock,
    maxLateMs: ctx.config.schedules.maxLateHours * 3_600_000,
    defaultDays: ctx.config.audit.days,
    onEnqueued: o.onEnqueued,
  });
}
