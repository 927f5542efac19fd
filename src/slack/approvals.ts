import type { webApi } from "@slack/bolt";
import type { SlackPeople } from "../approvals/approver.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../log.js";

/**
 * The Slack side of approvals: finds people by email (users.lookupByEmail, cached). Posting and
 * updating the approvers' messages is approvalsNotifier.ts.
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
