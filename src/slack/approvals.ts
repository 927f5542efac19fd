import type { webApi } from "@slack/bolt";
import type { ApprovalEvent, ApprovalsNotifier, ApprovalsService } from "../approvals/approvals.service.js";
import type { SlackPeople } from "../approvals/approver.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../log.js";
import type { ApprovalsRepo } from "../store/approvals.repo.js";
import { approvalMessages, approverKey, taskText } from "./blocks/approvals.js";
import { literal } from "./mrkdwn.js";

/**
 * The Slack side of approvals: finds people by email (users.lookupByEmail, cached), posts one message
 * per approver per request (a DM, or the approvals channel), and updates it as the state moves.
 */
const PEOPLE_TTL_MS = 10 * 60_000;

export class SlackPeopleDirectory implements SlackPeople {
  private readonly cache = new Map<
    string,
    { value: { userId: string; deleted: boolean } | null; at: number }
  >();

  constructor(
    private readonly client: () => webApi.WebClient,
    private readonly log: Logger,
    private readonly clock: Pick<Clock, "now">,
  ) {}

  async byEmail(email: string): Promise<{ userId: string; deleted: boolean } | null> {
    const key = email.toLowerCase();
    const hit = this.cache.get(key);
    if (hit && this.clock.now() - hit.at < PEOPLE_TTL_MS) return hit.value;
    let value: { userId: string; deleted: boolean } | null;
    try {
      const res = await this.client().users.lookupByEmail({ email: key });
      value = res.user?.id ? { userId: res.user.id, deleted: Boolean(res.user.deleted) } : null;
    } catch (error) {
      const code = (error as { data?: { error?: string } }).data?.error;
      if (code !== "users_not_found") {
        this.log.warn("users.lookupByEmail failed", { reason: code ?? (error as Error).message });
        throw error;
      }
      value = null;
    }
    this.cache.set(key, { value, at: this.clock.now() });
    return value;
  }
}

export class SlackApprovalsNotifier implements ApprovalsNotifier {
  constructor(
    private readonly approvals: ApprovalsService,
    private readonly repo: ApprovalsRepo,
    private readonly client: () => webApi.WebClient,
    private readonly log: Logger,
    private readonly clock: Pick<Clock, "now">,
  ) {}

  private async channelFor(key: string): Promise<string | null> {
    if (key === "channel") return this.approvals.settings.channel;
    const res = await this.client().conversations.open({ users: key });
    return res.channel?.id ?? null;
  }

  /** Posts or updates every approver's message for a request, from the stored state. */
  async render(requestId: number): Promise<void> {
    const view = this.approvals.view(requestId);
    if (!view) return;
    const keys = [...new Set(view.subjects.filter((s) => s.approverKind !== "unassigned").map(approverKey))];
    const posted = this.repo.messages(requestId);
    for (const key of keys) {
      const parts = approvalMessages(view, key, new Date(this.clock.now()));
      for (const [part, msg] of parts.entries()) {
        const existing = posted.find((m) => m.approverKey === key && m.part === part);
        if (existing) {
          await this.client().chat.update({
            channel: existing.channel,
            ts: existing.ts,
            text: msg.text,
            blocks: msg.blocks,
          });
          continue;
        }
        const channel = await this.channelFor(key);
        if (!channel) {
          this.log.warn("no approvals channel (GONGOPS_APPROVALS_CHANNEL) to post a request to", {
            request: requestId,
          });
          continue;
        }
        const res = await this.client().chat.postMessage({ channel, text: msg.text, blocks: msg.blocks });
        if (res.ts)
          this.repo.saveMessage({
            requestId,
            approverKey: key,
            part,
            channel: res.channel ?? channel,
            ts: res.ts,
          });
      }
    }
  }

  async notify(event: ApprovalEvent): Promise<void> {
    await this.render(event.requestId);
    const view = this.approvals.view(event.requestId);
    if (!view) return;
    const subjects = view.subjects.filter((s) => "subjectIds" in event && event.subjectIds.includes(s.id));
    if (event.kind === "remind") {
      for (const key of new Set(subjects.filter((s) => s.state === "pending").map(approverKey))) {
        const channel = await this.channelFor(key);
        if (channel)
          await this.client().chat.postMessage({
            channel,
            text: `Reminder: deactivation request #${view.request.id} waits for your decision (it moves up the reporting line if nobody decides).`,
          });
      }
    }
    if (event.kind === "task" && this.approvals.settings.channel) {
      for (const s of subjects)
        await this.client().chat.postMessage({ channel: this.approvals.settings.channel, text: taskText(s) });
    }
    if (event.kind === "changed" && view.request.requestedBySlack) {
      // The requester hears about outcomes that need no click: cancelled, failed, done.
      for (const s of subjects.filter((x) => ["cancelled", "failed", "done"].includes(x.state))) {
        const channel = await this.channelFor(view.request.requestedBySlack);
        if (channel)
          await this.client().chat.postMessage({
            channel,
            text: `Request #${view.request.id}: ${literal(s.name)} is ${s.state}${view.dryRun ? " (dry run)" : ""}${s.stateReason ? `: ${literal(s.stateReason)}` : ""}`,
          });
      }
    }
  }
}
