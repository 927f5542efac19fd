import { createHash } from "node:crypto";
import type { webApi } from "@slack/bolt";
import type {
  ApprovalEvent,
  ApprovalsNotifier,
  ApprovalsService,
  RequestView,
} from "../approvals/approvals.service.js";
import { stateLabel } from "../approvals/states.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../log.js";
import type { ApprovalsRepo, SubjectRow } from "../store/approvals.repo.js";
import { approvalMessages, approverKey, offered, retryButton, taskText } from "./blocks/approvals.js";
import { actions, type Block, section } from "./blocks/common.js";
import { holderMessage } from "./blocks/holder.js";
import { literal } from "./mrkdwn.js";

/**
 * Posts one message per approver per request (a DM, or the approvals channel), and updates it as the
 * state moves; tells requesters and admins about outcomes. Called from the approval-notify job.
 *
 * Each destination and each part stands alone: one approver's closed DM, or a private channel the bot
 * is not in, does not stop the others (the admins hear of it once); a part whose content did not
 * change is not sent again. A failure Slack may get over (a network error, 5xx, 429) is thrown after
 * the others were tried, so the job retries; what was already posted is stored and not posted twice.
 */

/** Slack's answers that no retry changes, for one destination (a channel, a person). */
const PERMANENT = new Set([
  "not_in_channel",
  "channel_not_found",
  "is_archived",
  "user_not_found",
  "user_disabled",
  "cannot_dm_bot",
  "messages_tab_disabled",
  "restricted_action",
  "ekm_access_denied",
  "invalid_blocks",
  "msg_too_long",
]);

function slackCode(error: unknown): string | null {
  const e = error as { code?: string; data?: { error?: string } };
  return e.code === "slack_webapi_platform_error" ? (e.data?.error ?? null) : null;
}

function digestOf(msg: { text: string; blocks: unknown }): string {
  return createHash("sha256").update(JSON.stringify(msg)).digest("base64url").slice(0, 22);
}

export class SlackApprovalsNotifier implements ApprovalsNotifier {
  /** Destinations already reported to the admins as unreachable (once per process is enough). */
  private readonly reported = new Set<string>();

  constructor(
    private readonly approvals: ApprovalsService,
    private readonly repo: ApprovalsRepo,
    private readonly client: () => webApi.WebClient,
    private readonly log: Logger,
    private readonly clock: Pick<Clock, "now">,
    private readonly adminUserIds: readonly string[] = [],
  ) {}

  private async channelFor(key: string): Promise<string | null> {
    if (key === "channel") return this.approvals.settings.channel;
    const res = await this.client().conversations.open({ users: key });
    return res.channel?.id ?? null;
  }

  /**
   * Runs `send` for one destination. A permanent refusal is logged and told to the admins (once), and
   * does not stop the others; anything else is kept to be thrown once every destination was tried.
   */
  private async isolated(where: string, what: string, send: () => Promise<unknown>, pending: unknown[]) {
    try {
      await send();
    } catch (error) {
      const code = slackCode(error);
      if (!code || !PERMANENT.has(code)) {
        pending.push(error);
        return;
      }
      this.log.warn("Slack refused a message to one destination; the others still go out", {
        where,
        what,
        code,
      });
      await this.tellAdmins(
        `${where}:${code}`,
        `I could not post ${what} to ${where}: Slack said \`${code}\`.`,
      );
    }
  }

  /** The approvals channel, or else each admin by DM; failures here are only logged. */
  private async tellAdmins(key: string, text: string, blocks?: Block[]): Promise<void> {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const channel = this.approvals.settings.channel;
    const targets = channel ? [channel] : [...this.adminUserIds];
    for (const target of targets) {
      try {
        const to = target.startsWith("U") || target.startsWith("W") ? await this.channelFor(target) : target;
        if (to) await this.client().chat.postMessage({ channel: to, text, ...(blocks ? { blocks } : {}) });
      } catch (error) {
        this.log.warn("could not tell the admins", { reason: slackCode(error) ?? (error as Error).message });
      }
    }
  }

  /** Posts or updates every approver's message for a request, from the stored state. */
  async render(requestId: number): Promise<void> {
    const view = this.approvals.view(requestId);
    if (!view) return;
    const pending: unknown[] = [];
    // Every current approver's message, and the posted message of every approver a subject was taken
    // from: it loses its buttons and says who decides now.
    const posted = this.repo.messages(requestId);
    const keys = [
      ...new Set([
        ...view.subjects.filter((s) => s.approverKind !== "unassigned" && offered(s)).map(approverKey),
        ...view.subjects
          .flatMap((s) => s.formerApprovers)
          .filter((k) => posted.some((m) => m.approverKey === k)),
      ]),
    ];
    for (const key of keys) {
      const where = key === "channel" ? "the approvals channel" : `<@${key}>`;
      await this.isolated(where, `request #${requestId}`, () => this.renderFor(view, key), pending);
    }
    // Each seat holder asked first (GONGOPS_NOTIFY_SUBJECT): their own DM, kept up to date too.
    for (const s of view.subjects.filter((x) => x.holderSlackId))
      await this.isolated(
        `<@${s.holderSlackId}>`,
        `the question to ${s.name}`,
        () => this.send(requestId, `holder:${s.id}`, 0, holderMessage(s, view), s.holderSlackId!),
        pending,
      );
    if (pending.length > 0) throw pending[0];
  }

  /**
   * Posts one message part, or updates it when its content changed (a digest of what was sent is kept);
   * `to`: the user or channel a new message goes to (a user gets a DM). False when there is nowhere
   * to post it (no approvals channel).
   */
  private async send(
    requestId: number,
    key: string,
    part: number,
    msg: { text: string; blocks: unknown },
    to: string,
  ): Promise<boolean> {
    const digest = digestOf(msg);
    const existing = this.repo.messages(requestId).find((m) => m.approverKey === key && m.part === part);
    if (existing?.digest === digest) return true;
    if (existing) {
      await this.client().chat.update({
        channel: existing.channel,
        ts: existing.ts,
        text: msg.text,
        blocks: msg.blocks as never,
      });
      this.repo.saveMessage({ ...existing, digest });
      return true;
    }
    const channel = await this.channelFor(to);
    if (!channel) return false;
    const res = await this.client().chat.postMessage({
      channel,
      text: msg.text,
      blocks: msg.blocks as never,
    });
    if (res.ts)
      this.repo.saveMessage({
        requestId,
        approverKey: key,
        part,
        channel: res.channel ?? channel,
        ts: res.ts,
        digest,
      });
    return true;
  }

  private async renderFor(view: RequestView, key: string): Promise<void> {
    const requestId = view.request.id;
    const parts = approvalMessages(view, key, new Date(this.clock.now()));
    for (const [part, msg] of parts.entries()) {
      if (await this.send(requestId, key, part, msg, key)) continue;
      this.log.warn("no approvals channel (GONGOPS_APPROVALS_CHANNEL) to post a request to", {
        request: requestId,
      });
    }
  }

  async notify(event: ApprovalEvent): Promise<void> {
    const pending: unknown[] = [];
    try {
      await this.render(event.requestId);
    } catch (error) {
      pending.push(error);
    }
    const view = this.approvals.view(event.requestId);
    if (!view) return;
    const subjects = view.subjects.filter((s) => "subjectIds" in event && event.subjectIds.includes(s.id));
    const dm = async (user: string, text: string) => {
      const channel = await this.channelFor(user);
      if (channel) await this.client().chat.postMessage({ channel, text });
    };
    if (event.kind === "remind") {
      for (const key of new Set(subjects.filter((s) => s.state === "pending").map(approverKey)))
        await this.isolated(
          key === "channel" ? "the approvals channel" : `<@${key}>`,
          `a reminder of request #${view.request.id}`,
          () => dm(key, reminderText(view)),
          pending,
        );
    }
    if (event.kind === "task" && this.approvals.settings.channel) {
      for (const s of subjects)
        await this.isolated(
          "the approvals channel",
          `the task for ${s.name}`,
          () => this.postTo(this.approvals.settings.channel, taskText(s)),
          pending,
        );
    }
    if (event.kind === "changed") {
      const outcomes = subjects.filter((x) => ["cancelled", "failed", "done"].includes(x.state));
      // The requester hears about outcomes that need no click: cancelled, failed, done.
      const requester = view.request.requestedBySlack;
      if (requester)
        for (const s of outcomes)
          await this.isolated(
            `<@${requester}>`,
            `the outcome for ${s.name}`,
            () => dm(requester, outcomeText(view, s)),
            pending,
          );
      // A failure is the admins' to look at (a dead job, a refusal at the way out), with Retry for
      // once its cause is fixed.
      for (const s of outcomes.filter((x) => x.state === "failed")) {
        const text = outcomeText(view, s);
        await this.tellAdmins(`failed:${s.id}:${s.updatedAt}`, text, [
          section(text),
          actions(retryButton(s)),
        ]);
      }
    }
    if (pending.length > 0) throw pending[0];
  }

  private async postTo(channel: string | null, text: string): Promise<void> {
    if (channel) await this.client().chat.postMessage({ channel, text });
  }
}

function reminderText(view: RequestView): string {
  return `Reminder: deactivation request #${view.request.id} waits for your decision (it moves up the reporting line if nobody decides).`;
}

function outcomeText(view: RequestView, s: SubjectRow): string {
  return `Request #${view.request.id}: ${literal(s.name)}: ${stateLabel(s.state, view.dryRun)}${s.stateReason ? `: ${literal(s.stateReason)}` : ""}`;
}
