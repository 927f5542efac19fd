import type { webApi } from "@slack/bolt";
import type { Newcomer } from "../leavers/newcomers.js";
import type { LeaverNotice, LeaversNotifier } from "../leavers/types.js";
import type { Logger } from "../log.js";
import type { NoticePost } from "../store/schema.js";
import { leaverBackMessage, leaverNoticeMessage, newcomerMessage } from "./blocks/leavers.js";

/**
 * Tells the admins about leavers (the approvals channel, else each admin by DM) and stuck newcomers
 * (each admin by DM). Called from the leavers' jobs: a failure is thrown so that the job retries; what
 * was posted is returned and stored by the caller, so a notice is never posted twice.
 */
export class SlackLeaversNotifier implements LeaversNotifier {
  constructor(
    private readonly client: () => webApi.WebClient,
    private readonly settings: { channel: string | null; adminUserIds: readonly string[] },
    private readonly log: Logger,
  ) {}

  private async dm(userId: string): Promise<string> {
    const res = await this.client().conversations.open({ users: userId });
    if (!res.channel?.id) throw new Error(`Slack opened no DM with ${userId}`);
    return res.channel.id;
  }

  /** The approvals channel, or each admin's DM. */
  private async targets(): Promise<string[]> {
    if (this.settings.channel) return [this.settings.channel];
    const out: string[] = [];
    for (const admin of this.settings.adminUserIds) out.push(await this.dm(admin));
    if (out.length === 0)
      this.log.warn("a leaver was found, but there is no approvals channel and no admin to tell");
    return out;
  }

  async left(notice: LeaverNotice): Promise<NoticePost[]> {
    const msg = leaverNoticeMessage(notice);
    const posts: NoticePost[] = [];
    for (const channel of await this.targets()) {
      const res = await this.client().chat.postMessage({ channel, ...msg });
      if (res.ts) posts.push({ channel: res.channel ?? channel, ts: res.ts });
    }
    return posts;
  }

  async update(posts: readonly NoticePost[], notice: LeaverNotice): Promise<void> {
    const msg = leaverNoticeMessage(notice);
    for (const p of posts) await this.client().chat.update({ channel: p.channel, ts: p.ts, ...msg });
  }

  async back(posts: readonly NoticePost[], who: { name: string; why: string }): Promise<void> {
    const msg = leaverBackMessage(who);
    for (const p of posts) await this.client().chat.update({ channel: p.channel, ts: p.ts, ...msg });
  }

  async newcomer(n: Newcomer, managerName: string | null): Promise<void> {
    const msg = newcomerMessage(n, managerName);
    for (const admin of this.settings.adminUserIds)
      await this.client().chat.postMessage({ channel: await this.dm(admin), ...msg });
  }
}
