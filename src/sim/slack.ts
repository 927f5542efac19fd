import { type IdpCtx, type IdpReply, IdpSimServer } from "./idpServer.js";
import type { SimOrg } from "./org.js";

/**
 * The simulator's Slack workspace, tied to its Gong org: the accounts `users.list` shows, as Slack shows
 * them. Every Gong user has an account under their Gong address, except those the org keeps out of Slack
 * (contractors, Gong-only users); the account of someone who left the company, or whom Gong deactivated,
 * is deactivated (`deleted: true`, keeping its address, `updated` = when). Beside them: a bot and a guest,
 * never anyone's evidence. Only what leavers read is served: `users.list`, paged with an opaque
 * `response_metadata.next_cursor` and `limit` (at most 1000), a bot token (Bearer, or the form's
 * `token`), and Slack's shapes: HTTP 200 with `ok: false` and an error code, 429 with Retry-After.
 */

export const SLACK_SIM_TOKEN = "xoxb-sim-slack-bot-token";

export interface SlackSimOptions {
  org: SimOrg;
  /** The longest page users.list returns whatever `limit` asks (Slack may return fewer); default 1000. */
  pageSize?: number;
}

interface Member {
  id: string;
  name: string;
  real_name: string;
  deleted: boolean;
  is_bot: boolean;
  is_restricted: boolean;
  updated: number;
  profile: { real_name: string; email?: string };
}

export class SlackWorkspaceSim extends IdpSimServer {
  readonly token = SLACK_SIM_TOKEN;
  pageSize: number;
  private readonly org: SimOrg;

  private constructor(options: SlackSimOptions) {
    super();
    this.org = options.org;
    this.pageSize = options.pageSize ?? 1000;
  }

  static async start(options: SlackSimOptions): Promise<SlackWorkspaceSim> {
    const sim = new SlackWorkspaceSim(options);
    await sim.listen();
    return sim;
  }

  /** The Web API's base URL (SLACK_API_URL). */
  get apiUrl(): string {
    return `${this.url}/api`;
  }

  /** The workspace's accounts now, from the org (its departures and who has no Slack account). */
  private members(): Member[] {
    const out: Member[] = [];
    this.org.users().forEach((u, i) => {
      if (!this.org.inSlack(u.id)) return;
      const left = this.org.leftAt(u.id);
      const name = `${u.firstName} ${u.lastName}`;
      out.push({
        id: `U${String(i + 1).padStart(9, "0")}`,
        name: u.emailAddress.split("@")[0]!,
        real_name: name,
        deleted: left !== null || !u.active,
        is_bot: false,
        is_restricted: false,
        updated: Math.floor((left ?? Date.parse(u.created)) / 1000),
        profile: { real_name: name, email: u.emailAddress },
      });
    });
    const created = Math.floor(this.org.now.getTime() / 1000) - 86_400 * 300;
    out.push(
      {
        id: "UBOT0000001",
        name: "gongops",
        real_name: "gongops",
        deleted: false,
        is_bot: true,
        is_restricted: false,
        updated: created,
        profile: { real_name: "gongops" },
      },
      {
        id: "UGUEST00001",
        name: "partner",
        real_name: "Pat Partner",
        deleted: false,
        is_bot: false,
        is_restricted: true,
        updated: created,
        profile: { real_name: "Pat Partner", email: `partner@agency.${this.org.domain}` },
      },
    );
    return out;
  }

  protected authorized(ctx: IdpCtx): boolean {
    const bearer = /^Bearer (.+)$/.exec(ctx.headers.authorization ?? "")?.[1];
    const form = (ctx.body as { token?: string } | undefined)?.token;
    return (bearer ?? form) === this.token;
  }

  protected unauthorized(): IdpReply {
    return { status: 200, body: { ok: false, error: "invalid_auth" } };
  }

  protected tooMany(): IdpReply {
    return { status: 429, body: { ok: false, error: "ratelimited" }, headers: { "retry-after": "1" } };
  }

  protected endpointOf(method: string, parts: string[]): string {
    return `${method} /${parts.join("/")}`;
  }

  protected route(endpoint: string, ctx: IdpCtx): IdpReply {
    if (endpoint !== "POST /api/users.list")
      return { status: 200, body: { ok: false, error: "unknown_method" } };
    const args = (ctx.body ?? {}) as { limit?: string; cursor?: string };
    const asked = args.limit === undefined ? 0 : Number(args.limit);
    if (!Number.isInteger(asked) || asked < 0)
      return { status: 200, body: { ok: false, error: "invalid_limit" } };
    const limit = Math.min(asked || 1000, 1000, this.pageSize);
    const all = this.members();
    let from = 0;
    if (args.cursor) {
      const m = /^user:(\d+)$/.exec(Buffer.from(args.cursor, "base64").toString());
      from = m ? Number(m[1]) : -1;
      if (from < 0 || from > all.length) return { status: 200, body: { ok: false, error: "invalid_cursor" } };
    }
    const next = from + limit < all.length ? Buffer.from(`user:${from + limit}`).toString("base64") : "";
    return {
      status: 200,
      body: {
        ok: true,
        members: all.slice(from, from + limit),
        cache_ts: Math.floor(Date.now() / 1000),
        response_metadata: { next_cursor: next },
      },
    };
  }
}
