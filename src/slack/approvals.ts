import type { webApi } from "@slack/bolt";
import type { ApprovalEvent, ApprovalsNotifier, ApprovalsService } from "../approvals/approvals.service.js";
import type { SlackPeople, SlackPerson } from "../approvals/approver.js";
import { stateLabel } from "../approvals/states.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../log.js";
import type { ApprovalsRepo } from "../store/approvals.repo.js";
import { approvalMessages, approverKey, taskText } from "./blocks/approvals.js";
import { literal } from "./mrkdwn.js";

/**
 * The Slack side of approvals: finds people by email, posts one message per approver per request (a
 * DM, or the approvals channel), and updates it as the state moves, including the message of an
 * approver the subject was taken from (no buttons; who decides now).
 *
 * People are read fresh for each pass (a filing, a round of escalations, a decision), never from a
 * long-lived cache: a manager deactivated in Slack a minute ago is not asked. Within a pass each address
 * is asked once, and past a few lookups the pass reads the whole workspace in one paged users.list
 * instead (filing 500 subjects costs a few pages, not ~1,000 lookups). Rate limits are honoured: a 429
 * waits its Retry-After and the call is made again.
 */
const LOOKUPS_BEFORE_LISTING = 20;
const LIST_PAGE = 1000;
const RATE_LIMIT_TRIES = 8;

interface SlackUser {
  id?: string;
  deleted?: boolean;
  is_bot?: boolean;
  is_app_user?: boolean;
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
  profile?: { email?: string };
}

function personOf(u: SlackUser): SlackPerson | null {
  if (!u.id) return null;
  return {
    userId: u.id,
    deleted: Boolean(u.deleted),
    bot: Boolean(u.is_bot || u.is_app_user) || u.id === "USLACKBOT",
    guest: Boolean(u.is_restricted || u.is_ultra_restricted),
  };
}

/** Seconds Slack asked to wait, when `error` is a rate limit (after the Web client's own retries). */
export function retryAfterOf(error: unknown): number | null {
  const e = error as { code?: string; retryAfter?: number; message?: string };
  if (e?.code === "slack_webapi_rate_limited_error" && typeof e.retryAfter === "number") return e.retryAfter;
  const m = /rate limit was exceeded.*retry-after: (\d+)/i.exec(e?.message ?? "");
  return m ? Number(m[1]) : null;
}

export class SlackPeopleDirectory implements SlackPeople {
  constructor(
    private readonly client: () => webApi.WebClient,
    private readonly log: Logger,
    private readonly clock: Pick<Clock, "now" | "sleep">,
  ) {}

  /** Calls Slack, waiting out rate limits (Retry-After) rather than failing the pass. */
  private async paced<T>(what: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const wait = retryAfterOf(error);
        if (wait === null || attempt >= RATE_LIMIT_TRIES) throw error;
        this.log.info("Slack asked to wait; waiting", { method: what, seconds: wait });
        await this.clock.sleep(wait * 1000);
      }
    }
  }

  async byEmail(email: string): Promise<SlackPerson | null> {
    const key = email.toLowerCase();
    try {
      const res = await this.paced("users.lookupByEmail", () =>
        this.client().users.lookupByEmail({ email: key }),
      );
      return personOf((res.user ?? {}) as SlackUser);
    } catch (error) {
      const code = (error as { data?: { error?: string } }).data?.error;
      if (code === "users_not_found") return null;
      this.log.warn("users.lookupByEmail failed", { reason: code ?? (error as Error).message });
      throw error;
    }
  }

  /** Everyone in the workspace by email (lower-cased), in one paged pass. */
  async everyone(): Promise<Map<string, SlackPerson>> {
    const out = new Map<string, SlackPerson>();
    let cursor: string | undefined;
    do {
      const page = await this.paced("users.list", () =>
        this.client().users.list({ limit: LIST_PAGE, ...(cursor ? { cursor } : {}) }),
      );
      for (const u of (page.members ?? []) as SlackUser[]) {
        const email = u.profile?.email?.toLowerCase();
        const p = personOf(u);
        if (!email || !p) continue;
        // Two accounts with one address (an old deactivated one): the live one counts.
        const had = out.get(email);
        if (!had || (had.deleted && !p.deleted)) out.set(email, p);
      }
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    return out;
  }

  session(): SlackPeople {
    const asked = new Map<string, Promise<SlackPerson | null>>();
    let everyone: Promise<Map<string, SlackPerson>> | null = null;
    return {
      byEmail: (email) => {
        const key = email.toLowerCase();
        let found = asked.get(key);
        if (!found) {
          if (!everyone && asked.size >= LOOKUPS_BEFORE_LISTING) everyone = this.everyone();
          found = everyone ? everyone.then((all) => all.get(key) ?? null) : this.byEmail(key);
          asked.set(key, found);
        }
        return found;
      },
    };
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
    const posted = this.repo.messages(requestId);
    // Every current approver's message, and the posted message of every approver a subject was taken
    // from: it loses its buttons and says who decides now.
    const keys = [
      ...new Set([
        ...view.subjects.filter((s) => s.approverKind !== "unassigned").map(approverKey),
        ...view.subjects
          .flatMap((s) => s.formerApprovers)
          .filter((k) => posted.some((m) => m.approverKey === k)),
      ]),
    ];
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
            text: `Request #${view.request.id}: ${literal(s.name)}: ${stateLabel(s.state, view.dryRun)}${s.stateReason ? `: ${literal(s.stateReason)}` : ""}`,
          });
      }
    }
  }
}
