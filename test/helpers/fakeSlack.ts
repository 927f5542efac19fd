import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A small fake of Slack's Web API on loopback, for end-to-end tests of the Bolt app: it answers the
 * methods gongops calls, records every call, takes response_url posts and file uploads, and can be told
 * who has which email and which user group members there are. It refuses what Slack refuses: blocks past
 * Block Kit's limits (invalid_blocks), a file shared to a channel the bot is not in (not_in_channel),
 * joining a private channel, and, when told to, a method with 429 and Retry-After.
 */
export interface ApiCall {
  method: string;
  args: Record<string, any>;
  result: any;
}

export class FakeSlack {
  url = "";
  readonly calls: ApiCall[] = [];
  readonly responses: { id: string; body: any }[] = [];
  readonly uploads = new Map<string, string>();
  readonly emails = new Map<string, string>();
  readonly groups = new Map<string, string[]>();
  /** Users Slack reports as deactivated (users.lookupByEmail answers deleted: true). */
  readonly deletedUsers = new Set<string>();
  /** Channels the bot may not post in (chat.postMessage answers not_in_channel). */
  readonly closedChannels = new Set<string>();
  /** Private channels: the bot cannot join them, and is in them only when added to `members`. */
  readonly privateChannels = new Set<string>();
  /** Milliseconds a method waits before it answers (a slow Slack). */
  readonly delays = new Map<string, number>();
  /** Bot tokens Slack does not accept (auth.test answers invalid_auth). */
  readonly refusedTokens: string[] = ["xoxb-revoked"];
  /** Public channels the bot cannot join (a shared channel, an install without channels:join). */
  readonly joinRefused = new Set<string>();
  /** Channels the bot is a member of (joined, invited, or its DMs). */
  readonly members = new Set<string>();
  /** Calls of a method (those that `match`, when given) to refuse with 429 and Retry-After: 1. */
  readonly rateLimits: { method: string; match?: (args: Record<string, any>) => boolean; times: number }[] =
    [];
  private server: Server | null = null;
  private seq = 1000;

  static async start(): Promise<FakeSlack> {
    const fake = new FakeSlack();
    fake.server = createServer((req, res) => {
      void fake.handle(req).then(
        ({ status, body }) => {
          res.writeHead(status, {
            "content-type": "application/json",
            ...(status === 429 ? { "retry-after": "1" } : {}),
          });
          res.end(JSON.stringify(body));
        },
        (error: Error) => {
          res.writeHead(500);
          res.end(error.message);
        },
      );
    });
    await new Promise<void>((resolve) => fake.server!.listen(0, "127.0.0.1", resolve));
    fake.url = `http://127.0.0.1:${(fake.server!.address() as AddressInfo).port}`;
    return fake;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  responseUrl(id: string): string {
    return `${this.url}/respond/${id}`;
  }

  callsOf(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  repliesTo(id: string): any[] {
    return this.responses.filter((r) => r.id === id).map((r) => r.body);
  }

  async waitFor<T>(what: () => T | undefined | false | null, timeoutMs = 10_000): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const value = what();
      if (value) return value;
      if (Date.now() > until) throw new Error("timed out waiting for Slack traffic");
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/_stats") {
      const methods: Record<string, number> = {};
      for (const c of this.calls) methods[c.method] = (methods[c.method] ?? 0) + 1;
      return { status: 200, body: { methods, responses: this.responses.length } };
    }
    if (path.startsWith("/respond/")) {
      this.responses.push({ id: path.slice("/respond/".length), body: JSON.parse(raw.toString("utf8")) });
      return { status: 200, body: { ok: true } };
    }
    if (path.startsWith("/upload/")) {
      this.uploads.set(
        path.slice("/upload/".length),
        fileContent(raw.toString("utf8"), req.headers["content-type"] ?? ""),
      );
      return { status: 200, body: { ok: true } };
    }
    const method = path.replace(/^\/api\//, "");
    const args = parseArgs(raw.toString("utf8"), req.headers["content-type"] ?? "");
    const delay = this.delays.get(method);
    if (delay) await new Promise((r) => setTimeout(r, delay));
    const token = String(req.headers.authorization ?? args.token ?? "");
    if (method === "auth.test" && this.refusedTokens.some((t) => token.includes(t))) {
      this.calls.push({ method, args, result: { ok: false, error: "invalid_auth" } });
      return { status: 200, body: { ok: false, error: "invalid_auth" } };
    }
    const limit = this.rateLimits.find(
      (r) => r.method === method && r.times > 0 && (r.match?.(args) ?? true),
    );
    if (limit) {
      limit.times--;
      this.calls.push({ method, args, result: { ok: false, error: "ratelimited" } });
      return { status: 429, body: { ok: false, error: "ratelimited" } };
    }
    const result = this.answer(method, args);
    this.calls.push({ method, args, result });
    return { status: 200, body: result };
  }

  private answer(method: string, args: Record<string, any>): unknown {
    switch (method) {
      case "auth.test":
        return { ok: true, user_id: "UBOT", bot_id: "BBOT", team_id: "T1", user: "gongops" };
      case "apps.connections.open":
        // No WebSocket here: the answer without a URL that Socket Mode's client retries without end.
        return { ok: true };
      case "chat.postMessage":
        if (this.closedChannels.has(args.channel)) return { ok: false, error: "not_in_channel" };
        if (this.privateChannels.has(args.channel) && !this.members.has(args.channel))
          return { ok: false, error: "not_in_channel" };
        if (!blocksOk(args.blocks, 50)) return { ok: false, error: "invalid_blocks" };
        return { ok: true, channel: args.channel, ts: `1700000000.${String(++this.seq).padStart(6, "0")}` };
      case "chat.update":
        if (!blocksOk(args.blocks, 50)) return { ok: false, error: "invalid_blocks" };
        return { ok: true, channel: args.channel, ts: args.ts };
      case "conversations.join":
        if (this.privateChannels.has(args.channel) || this.joinRefused.has(args.channel))
          return { ok: false, error: "method_not_supported_for_channel_type" };
        this.members.add(args.channel);
        return { ok: true, channel: { id: args.channel } };
      case "conversations.open": {
        const id = `D${String(args.users).replace(/^U/, "")}`;
        this.members.add(id);
        return { ok: true, channel: { id } };
      }
      case "chat.getPermalink":
        return {
          ok: true,
          permalink: `https://acme.slack.example/archives/${args.channel}/p${String(args.message_ts).replace(".", "")}`,
        };
      case "users.info": {
        const email = this.emails.get(args.user);
        return email
          ? { ok: true, user: { id: args.user, profile: { email } } }
          : { ok: true, user: { id: args.user, profile: {} } };
      }
      case "users.lookupByEmail": {
        const found = [...this.emails].find(([, e]) => e.toLowerCase() === String(args.email).toLowerCase());
        return found
          ? {
              ok: true,
              user: { id: found[0], deleted: this.deletedUsers.has(found[0]), profile: { email: found[1] } },
            }
          : { ok: false, error: "users_not_found" };
      }
      case "usergroups.users.list":
        return { ok: true, users: this.groups.get(args.usergroup) ?? [] };
      case "views.publish":
        if (!blocksOk((args.view as { blocks?: unknown })?.blocks, 100))
          return { ok: false, error: "invalid_blocks" };
        return { ok: true, view: { id: "V1" } };
      case "views.open":
        if (!blocksOk((args.view as { blocks?: unknown })?.blocks, 100))
          return { ok: false, error: "invalid_blocks" };
        return { ok: true, view: { id: `V${++this.seq}` } };
      case "files.getUploadURLExternal": {
        const id = `F${++this.seq}`;
        return { ok: true, upload_url: `${this.url}/upload/${id}`, file_id: id };
      }
      case "files.completeUploadExternal":
        if (args.channel_id && !this.members.has(args.channel_id))
          return { ok: false, error: "not_in_channel" };
        return { ok: true, files: JSON.parse(args.files ?? "[]") };
      default:
        return { ok: false, error: "unknown_method" };
    }
  }
}

/** Block Kit's limits that gongops could cross: blocks per message or view, and text lengths. */
function blocksOk(raw: unknown, max: number): boolean {
  if (raw === undefined) return true;
  const blocks = typeof raw === "string" ? (JSON.parse(raw) as unknown) : raw;
  if (!Array.isArray(blocks) || blocks.length > max) return false;
  for (const b of blocks as { type?: string; text?: { text?: string }; fields?: { text?: string }[] }[]) {
    if (b.type === "section" && (b.text?.text?.length ?? 0) > 3000) return false;
    if (b.type === "header" && (b.text?.text?.length ?? 0) > 150) return false;
    if ((b.fields?.length ?? 0) > 10 || (b.fields ?? []).some((f) => (f.text?.length ?? 0) > 2000))
      return false;
  }
  return true;
}

/** The uploaded file itself, out of a multipart/form-data body (or the body as sent). */
function fileContent(body: string, contentType: string): string {
  const boundary = /boundary=(.+)$/.exec(contentType)?.[1];
  if (!boundary) return body;
  for (const part of body.split(`--${boundary}`)) {
    const split = part.indexOf("\r\n\r\n");
    if (split > 0 && /filename=/.test(part.slice(0, split)))
      return part.slice(split + 4).replace(/\r\n$/, "");
  }
  return body;
}

function parseArgs(body: string, contentType: string): Record<string, any> {
  if (contentType.includes("application/json")) return body ? (JSON.parse(body) as Record<string, any>) : {};
  const out: Record<string, any> = {};
  for (const [k, v] of new URLSearchParams(body)) {
    out[k] =
      (k === "blocks" || k === "view") && v.startsWith("[")
        ? JSON.parse(v)
        : k === "view"
          ? JSON.parse(v)
          : v;
  }
  return out;
}

/** Signs a request body the way Slack does (v0 HMAC-SHA256 of "v0:<ts>:<body>"). */
export function slackHeaders(
  secret: string,
  body: string,
  contentType: string,
  at = Math.floor(Date.now() / 1000),
) {
  const signature = `v0=${createHmac("sha256", secret).update(`v0:${at}:${body}`).digest("hex")}`;
  return {
    "content-type": contentType,
    "x-slack-request-timestamp": String(at),
    "x-slack-signature": signature,
  };
}

export async function postSigned(
  url: string,
  secret: string,
  body: string,
  contentType: string,
): Promise<Response> {
  return fetch(url, { method: "POST", headers: slackHeaders(secret, body, contentType), body });
}

export function slashCommand(fields: {
  user: string;
  text: string;
  channel?: string;
  responseUrl: string;
}): string {
  return new URLSearchParams({
    token: "legacy-unused",
    team_id: "T1",
    team_domain: "acme",
    channel_id: fields.channel ?? "C1",
    channel_name: "gong-admin",
    user_id: fields.user,
    user_name: fields.user.toLowerCase(),
    command: "/gong",
    text: fields.text,
    api_app_id: "A1",
    response_url: fields.responseUrl,
    trigger_id: "1.2.3",
  }).toString();
}

export function buttonClick(fields: {
  user: string;
  actionId: string;
  value: string;
  responseUrl: string;
  channel?: string;
  ts?: string;
}): string {
  const payload = {
    type: "block_actions",
    team: { id: "T1", domain: "acme" },
    user: { id: fields.user, username: fields.user.toLowerCase(), team_id: "T1" },
    api_app_id: "A1",
    token: "legacy-unused",
    container: {
      type: "message",
      message_ts: fields.ts ?? "1700000000.000001",
      channel_id: fields.channel ?? "C1",
      is_ephemeral: false,
    },
    trigger_id: "1.2.3",
    channel: { id: fields.channel ?? "C1", name: "gong-admin" },
    message: { ts: fields.ts ?? "1700000000.000001", type: "message", text: "" },
    response_url: fields.responseUrl,
    actions: [
      {
        type: "button",
        action_id: fields.actionId,
        block_id: "b1",
        value: fields.value,
        action_ts: "1700000001.0",
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
