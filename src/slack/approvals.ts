import type { webApi } from "@slack/bolt";
import type { SlackPeople, SlackPerson } from "../approvals/approver.js";
import type { Clock } from "../clock.js";
import type { SlackAccount } from "../leavers/match.js";
import type { Logger } from "../log.js";

/**
 * The Slack side of approvals: finds people by email. Posting and updating the approvers' messages is
 * approvalsNotifier.ts.
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

/** A Slack user as users.list, users.lookupByEmail and the user_change event carry it. */
export interface SlackUser {
  id?: string;
  deleted?: boolean;
  is_bot?: boolean;
  is_app_user?: boolean;
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
  real_name?: string;
  /** When the account last changed (epoch seconds): for a deactivated one, about when that was. */
  updated?: number;
  profile?: { email?: string; real_name?: string };
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

/** The account the leavers check reads (leavers/match.ts), or null without an id. */
export function accountOf(u: SlackUser): SlackAccount | null {
  const p = personOf(u);
  if (!p) return null;
  return {
    userId: p.userId,
    email: u.profile?.email?.toLowerCase() ?? null,
    name: u.real_name ?? u.profile?.real_name ?? null,
    deleted: p.deleted,
    bot: Boolean(p.bot),
    guest: Boolean(p.guest),
    updated: typeof u.updated === "number" ? u.updated : null,
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

  /** The users.list pass under way, which every caller meanwhile joins. */
  private listing: Promise<SlackAccount[]> | null = null;

  /**
   * Every account in the workspace (people, bots, guests, deactivated), in one paged users.list pass
   * (Tier 2: a 429's Retry-After is waited out, the pass goes on from the same cursor). A caller that
   * asks while a pass is under way (a filing during the leavers check) joins it: its answer is no older
   * than one it would start, and Slack's Tier 2 budget is spent once. A finished pass is never reused.
   */
  accounts(): Promise<SlackAccount[]> {
    if (!this.listing) {
      this.listing = this.listAccounts();
      const clear = () => {
        this.listing = null;
      };
      this.listing.then(clear, clear);
    }
    return this.listing;
  }

  private async listAccounts(): Promise<SlackAccount[]> {
    const out: SlackAccount[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.paced("users.list", () =>
        this.client().users.list({ limit: LIST_PAGE, ...(cursor ? { cursor } : {}) }),
      );
      for (const u of (page.members ?? []) as SlackUser[]) {
        const a = accountOf(u);
        if (a) out.push(a);
      }
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    return out;
  }

  /** Everyone in the workspace by email (lower-cased), in one paged pass. */
  async everyone(): Promise<Map<string, SlackPerson>> {
    const out = new Map<string, SlackPerson>();
    for (const a of await this.accounts()) {
      if (!a.email) continue;
      const p: SlackPerson = { userId: a.userId, deleted: a.deleted, bot: a.bot, guest: a.guest };
      // Two accounts with one address (an old deactivated one): the live one counts.
      const had = out.get(a.email);
      if (!had || (had.deleted && !p.deleted)) out.set(a.email, p);
    }
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
