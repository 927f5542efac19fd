import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { parse } from "yaml";

/**
 * A small fake of Slack's Web API on loopback, for end-to-end tests of the Bolt app: it answers the
 * methods gongops calls, records every call, takes response_url posts and file uploads, and can be told
 * who has which email and which user group members there are. It refuses what Slack refuses: blocks past
 * Block Kit's limits (invalid_blocks), a file shared to a channel the bot is not in (not_in_channel),
 * joining a private channel, and, when told to, a method with 429 and Retry-After: a number of calls
 * (`rateLimits`), or Slack's own way (`limitRate`): at most N calls of a method per window, the rest
 * answered 429 with the Retry-After that the window still has to run.
 *
 * Uploads go as Slack's do (files.getUploadURLExternal, the bytes to the upload URL, then
 * files.completeUploadExternal) and the fake keeps the bytes exactly (`uploads`, `files`); an image block
 * may show a Slack file (slack_file) only when that file was completed and is a PNG, JPEG or GIF.
 */
export interface FakeFile {
  id: string;
  filename: string;
  /** The length announced by files.getUploadURLExternal. */
  length: number;
  altText: string | null;
  bytes: Buffer | null;
  completed: boolean;
  title: string | null;
  channel: string | null;
  threadTs: string | null;
  initialComment: string | null;
}
export interface ApiCall {
  method: string;
  args: Record<string, any>;
  result: any;
}

export class FakeSlack {
  url = "";
  readonly calls: ApiCall[] = [];
  readonly responses: { id: string; body: any }[] = [];
  /** The bytes sent to each upload URL, by file id. */
  readonly uploads = new Map<string, Buffer>();
  /** Every file started with files.getUploadURLExternal, by id. */
  readonly files = new Map<string, FakeFile>();
  /** Messages posted, by channel, with their ts. */
  readonly messages = new Map<string, Set<string>>();
  readonly emails = new Map<string, string>();
  readonly groups = new Map<string, string[]>();
  /** Users Slack reports as deactivated (users.lookupByEmail answers deleted: true). */
  readonly deletedUsers = new Set<string>();
  /** Bot users and guests (is_bot; is_restricted), as users.lookupByEmail and users.list say. */
  readonly botUsers = new Set<string>();
  readonly guestUsers = new Set<string>();
  /** When each account last changed (Slack's `updated`, epoch seconds); a deactivation sets it. */
  readonly updated = new Map<string, number>();
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
  /** Public channels by name (conversations.list lists them, paged two at a time as Slack may). */
  readonly channelNames = new Map<string, string>();
  /** Channels the bot is a member of (joined, invited, or its DMs). */
  readonly members = new Set<string>();
  /** Calls of a method (those that `match`, when given) to refuse with 429 and Retry-After: 1. */
  readonly rateLimits: { method: string; match?: (args: Record<string, any>) => boolean; times: number }[] =
    [];
  /** Slack's rate limits per method: at most `perWindow` calls in each `windowMs` (tiers, scaled). */
  private readonly tiers = new Map<
    string,
    { perWindow: number; windowMs: number; start: number; used: number }
  >();
  /**
   * Workflow Builder step executions Slack started (startFunction), with how each ended: Slack takes
   * one functions.completeSuccess or completeError per execution, with outputs its manifest allows.
   */
  readonly executions = new Map<
    string,
    { callbackId: string; ended: null | { outputs: Record<string, unknown> } | { error: string } }
  >();
  /** The scopes the bot token was granted (Slack's x-oauth-scopes header): manifest.yml's, unless told. */
  grantedScopes: string[] = manifestScopes();
  private server: Server | null = null;
  private seq = 1000;

  /** A `function_executed` Events API body for the manifest's step `callbackId` (signed and posted by the test). */
  startFunction(callbackId: string, inputs: Record<string, unknown>): { executionId: string; body: string } {
    const fn = manifestFunctions()[callbackId];
    if (!fn) throw new Error(`manifest.yml declares no function ${callbackId}`);
    const executionId = `Fx${++this.seq}`;
    this.executions.set(executionId, { callbackId, ended: null });
    const params = (o: Record<string, any>) => Object.entries(o).map(([name, p]) => ({ name, ...p }));
    const body = JSON.stringify({
      token: "legacy-unused",
      team_id: "T1",
      api_app_id: "A1",
      type: "event_callback",
      event_id: `Ev${this.seq}`,
      event_time: Math.floor(Date.now() / 1000),
      event: {
        type: "function_executed",
        function: {
          id: `Fn${this.seq}`,
          callback_id: callbackId,
          title: fn.title,
          type: "app",
          input_parameters: params(fn.input_parameters ?? {}),
          output_parameters: params(fn.output_parameters ?? {}),
          app_id: "A1",
        },
        inputs,
        function_execution_id: executionId,
        workflow_execution_id: `Wx${this.seq}`,
        event_ts: "1700000000.000100",
        bot_access_token: "xwfp-step-token",
      },
      authorizations: [{ team_id: "T1", user_id: "UBOT", is_bot: true, is_enterprise_install: false }],
    });
    return { executionId, body };
  }

  /** functions.completeSuccess / completeError as Slack checks them. */
  private completeFunction(method: string, args: Record<string, any>): unknown {
    const run = this.executions.get(String(args.function_execution_id));
    if (!run) return { ok: false, error: "function_execution_not_found" };
    if (run.ended) return { ok: false, error: "execution_not_in_running_state" };
    if (method === "functions.completeError") {
      if (typeof args.error !== "string" || !args.error) return { ok: false, error: "invalid_arguments" };
      run.ended = { error: args.error };
      return { ok: true };
    }
    const outputs = (typeof args.outputs === "string" ? JSON.parse(args.outputs) : args.outputs) as
      | Record<string, unknown>
      | undefined;
    const declared = manifestFunctions()[run.callbackId]!.output_parameters ?? {};
    if (!outputs || typeof outputs !== "object") return { ok: false, error: "invalid_arguments" };
    for (const [name, p] of Object.entries(declared) as [string, any][]) {
      const v = outputs[name];
      if (v === undefined) {
        if (p.is_required) return { ok: false, error: "parameter_validation_failed" };
        continue;
      }
      const want =
        p.type === "boolean" ? "boolean" : p.type === "number" || p.type === "integer" ? "number" : "string";
      if (typeof v !== want) return { ok: false, error: "parameter_validation_failed" };
    }
    if (Object.keys(outputs).some((k) => !(k in declared)))
      return { ok: false, error: "parameter_validation_failed" };
    run.ended = { outputs };
    return { ok: true };
  }

  /** Limits `method` as Slack does: past `perWindow` calls in a window, 429 with Retry-After. */
  limitRate(method: string, perWindow: number, windowMs: number): void {
    this.tiers.set(method, { perWindow, windowMs, start: 0, used: 0 });
  }

  /** Seconds to wait when `method` is over its limit now, else null (and the call is counted). */
  private overLimit(method: string): number | null {
    const t = this.tiers.get(method);
    if (!t) return null;
    const now = Date.now();
    if (now - t.start >= t.windowMs) {
      t.start = now;
      t.used = 0;
    }
    if (t.used < t.perWindow) {
      t.used++;
      return null;
    }
    return Math.max(1, Math.ceil((t.start + t.windowMs - now) / 1000));
  }

  static async start(): Promise<FakeSlack> {
    const fake = new FakeSlack();
    fake.server = createServer((req, res) => {
      void fake.handle(req).then(
        ({ status, body, retryAfter }) => {
          res.writeHead(status, {
            "content-type": "application/json",
            ...(status === 429 ? { "retry-after": String(retryAfter ?? 1) } : {}),
            "x-oauth-scopes": fake.grantedScopes.join(","),
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

  /** files.completeUploadExternal: every file started here and fully uploaded, shared where the bot is. */
  private completeUpload(args: Record<string, any>): unknown {
    const listed = (typeof args.files === "string" ? JSON.parse(args.files) : (args.files ?? [])) as {
      id?: string;
      title?: string;
    }[];
    if (!Array.isArray(listed) || listed.length === 0) return { ok: false, error: "invalid_arguments" };
    const files = listed.map((f) => this.files.get(String(f.id)));
    if (files.some((f) => !f || f.completed)) return { ok: false, error: "file_not_found" };
    const channel = args.channel_id ?? null;
    if (channel && !this.members.has(channel)) return { ok: false, error: "not_in_channel" };
    if (!args.initial_comment && !this.blocksOk(args.blocks, 50))
      return { ok: false, error: "invalid_blocks" };
    files.forEach((f, i) => {
      Object.assign(f!, {
        completed: true,
        title: listed[i]!.title ?? f!.filename,
        channel,
        threadTs: args.thread_ts ?? null,
        initialComment: args.initial_comment ?? null,
      });
    });
    return { ok: true, files: files.map((f) => ({ id: f!.id, title: f!.title })) };
  }

  /**
   * Block Kit's limits that gongops could cross: blocks per message or view, text lengths, and image
   * blocks (alt text, one source; a slack_file must be a completed image file).
   */
  blocksOk(raw: unknown, max: number): boolean {
    if (raw === undefined) return true;
    const blocks = typeof raw === "string" ? (JSON.parse(raw) as unknown) : raw;
    if (!Array.isArray(blocks) || blocks.length > max) return false;
    for (const b of blocks as Record<string, any>[]) {
      if (b.type === "section" && (b.text?.text?.length ?? 0) > 3000) return false;
      if (b.type === "header" && (b.text?.text?.length ?? 0) > 150) return false;
      if ((b.fields?.length ?? 0) > 10 || (b.fields ?? []).some((f: any) => (f.text?.length ?? 0) > 2000))
        return false;
      if (b.type === "image" && !this.imageOk(b)) return false;
    }
    return true;
  }

  private imageOk(b: Record<string, any>): boolean {
    if (typeof b.alt_text !== "string" || b.alt_text.length === 0 || b.alt_text.length > 2000) return false;
    if ((b.title?.text?.length ?? 0) > 2000 || (b.title && b.title.type !== "plain_text")) return false;
    if ((b.image_url === undefined) === (b.slack_file === undefined)) return false;
    if (b.image_url !== undefined) return typeof b.image_url === "string" && b.image_url.length <= 3000;
    const { id, url } = b.slack_file as { id?: string; url?: string };
    if ((id === undefined) === (url === undefined)) return false;
    if (url !== undefined) return true;
    const file = this.files.get(String(id));
    return Boolean(file?.completed && isImage(file.bytes));
  }

  /**
   * A user object as Slack sends it (users.list, users.info, users.lookupByEmail, user_change), with
   * `deleted` and `updated`: a deactivated account keeps its address.
   */
  userObject(id: string) {
    const email = this.emails.get(id);
    return {
      id,
      name: id.toLowerCase(),
      real_name: `Person ${id}`,
      deleted: this.deletedUsers.has(id),
      is_bot: this.botUsers.has(id),
      is_restricted: this.guestUsers.has(id),
      updated: this.updated.get(id) ?? 1_700_000_000,
      profile: { real_name: `Person ${id}`, ...(email ? { email } : {}) },
    };
  }

  /** Deactivates (or, with `false`, reactivates) an account as an admin of the workspace would. */
  deactivate(id: string, at: Date, deleted = true): void {
    if (deleted) this.deletedUsers.add(id);
    else this.deletedUsers.delete(id);
    this.updated.set(id, Math.floor(at.getTime() / 1000));
  }

  private async handle(
    req: IncomingMessage,
  ): Promise<{ status: number; body: unknown; retryAfter?: number }> {
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
      const body = JSON.parse(raw.toString("utf8"));
      // A response_url refuses what chat.postMessage would (too many blocks, too long a text).
      if (!this.blocksOk(body.blocks, 50))
        return { status: 400, body: { ok: false, error: "invalid_blocks" } };
      this.responses.push({ id: path.slice("/respond/".length), body });
      return { status: 200, body: { ok: true } };
    }
    if (path.startsWith("/upload/")) {
      const id = path.slice("/upload/".length);
      const file = this.files.get(id);
      if (!file) return { status: 404, body: { ok: false, error: "file_not_found" } };
      const bytes = await fileContent(raw, req.headers["content-type"] ?? "");
      this.uploads.set(id, bytes);
      file.bytes = bytes;
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
    const wait = this.overLimit(method);
    if (wait !== null) {
      this.calls.push({ method, args, result: { ok: false, error: "ratelimited" } });
      return { status: 429, body: { ok: false, error: "ratelimited" }, retryAfter: wait };
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
      case "chat.postMessage": {
        if (this.closedChannels.has(args.channel)) return { ok: false, error: "not_in_channel" };
        if (this.privateChannels.has(args.channel) && !this.members.has(args.channel))
          return { ok: false, error: "not_in_channel" };
        if (!this.blocksOk(args.blocks, 50)) return { ok: false, error: "invalid_blocks" };
        const ts = `1700000000.${String(++this.seq).padStart(6, "0")}`;
        this.messages.set(args.channel, (this.messages.get(args.channel) ?? new Set()).add(ts));
        return { ok: true, channel: args.channel, ts };
      }
      case "chat.update":
        if (!this.blocksOk(args.blocks, 50)) return { ok: false, error: "invalid_blocks" };
        return { ok: true, channel: args.channel, ts: args.ts };
      case "conversations.join":
        if (this.privateChannels.has(args.channel) || this.joinRefused.has(args.channel))
          return { ok: false, error: "method_not_supported_for_channel_type" };
        this.members.add(args.channel);
        return { ok: true, channel: { id: args.channel } };
      case "conversations.info": {
        const id = String(args.channel ?? "");
        const needs = id.startsWith("G") ? "groups:read" : "channels:read";
        if (!this.grantedScopes.includes(needs)) return { ok: false, error: "missing_scope", needed: needs };
        if (!/^[CGD][A-Z0-9]+$/.test(id)) return { ok: false, error: "channel_not_found" };
        const isPrivate = this.privateChannels.has(id);
        // The bot cannot see a private channel it is not in.
        if (isPrivate && !this.members.has(id)) return { ok: false, error: "channel_not_found" };
        return {
          ok: true,
          channel: { id, is_private: isPrivate, is_member: this.members.has(id), is_archived: false },
        };
      }
      case "conversations.list": {
        const all = [...this.channelNames];
        const from = args.cursor ? Number(args.cursor) : 0;
        const next = from + 2 < all.length ? String(from + 2) : "";
        return {
          ok: true,
          channels: all.slice(from, from + 2).map(([name, id]) => ({ id, name, is_channel: true })),
          response_metadata: { next_cursor: next },
        };
      }
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
          ? { ok: true, user: this.userObject(args.user) }
          : { ok: true, user: { id: args.user, profile: {} } };
      }
      case "users.lookupByEmail": {
        const found = [...this.emails].find(([, e]) => e.toLowerCase() === String(args.email).toLowerCase());
        return found
          ? { ok: true, user: this.userObject(found[0]) }
          : { ok: false, error: "users_not_found" };
      }
      case "users.list": {
        // Cursor paging as Slack does it: an opaque cursor, `limit` per page (Slack caps it at 1000).
        const all = [...this.emails].sort(([a], [b]) => a.localeCompare(b));
        const limit = Math.min(Number(args.limit ?? 0) || 1000, 1000);
        const from = args.cursor ? Number(Buffer.from(String(args.cursor), "base64").toString("utf8")) : 0;
        if (!Number.isInteger(from) || from < 0 || from > all.length)
          return { ok: false, error: "invalid_cursor" };
        const page = all.slice(from, from + limit);
        const next = from + limit < all.length ? Buffer.from(String(from + limit)).toString("base64") : "";
        return {
          ok: true,
          members: page.map(([id]) => this.userObject(id)),
          response_metadata: { next_cursor: next },
        };
      }
      case "usergroups.users.list":
        return { ok: true, users: this.groups.get(args.usergroup) ?? [] };
      case "views.publish":
        if (!this.blocksOk((args.view as { blocks?: unknown })?.blocks, 100))
          return { ok: false, error: "invalid_blocks" };
        return { ok: true, view: { id: "V1" } };
      case "views.open":
        if (!this.blocksOk((args.view as { blocks?: unknown })?.blocks, 100))
          return { ok: false, error: "invalid_blocks" };
        return { ok: true, view: { id: `V${++this.seq}` } };
      case "files.getUploadURLExternal": {
        const length = Number(args.length);
        if (!args.filename || !Number.isInteger(length) || length <= 0)
          return { ok: false, error: "invalid_arguments" };
        const id = `F${++this.seq}`;
        this.files.set(id, {
          id,
          filename: String(args.filename),
          length,
          altText: args.alt_text ?? null,
          bytes: null,
          completed: false,
          title: null,
          channel: null,
          threadTs: null,
          initialComment: null,
        });
        return { ok: true, upload_url: `${this.url}/upload/${id}`, file_id: id };
      }
      case "files.completeUploadExternal":
        return this.completeUpload(args);
      case "functions.completeSuccess":
      case "functions.completeError":
        return this.completeFunction(method, args);
      default:
        return { ok: false, error: "unknown_method" };
    }
  }
}

/** manifest.yml's bot scopes. */
function manifestScopes(): string[] {
  const manifest = parse(readFileSync(new URL("../../manifest.yml", import.meta.url), "utf8")) as {
    oauth_config: { scopes: { bot: string[] } };
  };
  return [...manifest.oauth_config.scopes.bot];
}

/** manifest.yml's Workflow Builder steps, by callback id. */
function manifestFunctions(): Record<string, Record<string, any>> {
  const manifest = parse(readFileSync(new URL("../../manifest.yml", import.meta.url), "utf8")) as {
    functions?: Record<string, Record<string, any>>;
  };
  return manifest.functions ?? {};
}

/** The uploaded file's bytes, out of a multipart/form-data body (or the body as sent), byte for byte. */
async function fileContent(body: Buffer, contentType: string): Promise<Buffer> {
  if (!contentType.startsWith("multipart/form-data")) return body;
  const form = await new Response(new Uint8Array(body), {
    headers: { "content-type": contentType },
  }).formData();
  for (const value of form.values())
    if (typeof value !== "string") return Buffer.from(await value.arrayBuffer());
  return body;
}

/** PNG, JPEG and GIF: the only files an image block may show (Slack's slack_file object). */
function isImage(bytes: Buffer | null): boolean {
  if (!bytes) return false;
  const png = bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  const gif = bytes.subarray(0, 4).toString("latin1") === "GIF8";
  return png || jpeg || gif;
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
  /** Slack's own headers on a retry: X-Slack-Retry-Num, X-Slack-Retry-Reason. */
  extra: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { ...slackHeaders(secret, body, contentType), ...extra },
    body,
  });
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

/** The Events API body of `user` opening the app's Home tab (signed and posted like a slash command). */
export function appHomeOpened(user: string, eventId = "Ev1"): string {
  return JSON.stringify({
    token: "legacy-unused",
    team_id: "T1",
    api_app_id: "A1",
    type: "event_callback",
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: "app_home_opened", user, channel: "D1", tab: "home", event_ts: "1700000000.1" },
  });
}

/**
 * The Events API body of Slack's user_change for `user` (a user object, as FakeSlack.userObject gives
 * it): sent when an account is deactivated, reactivated or edited.
 */
export function userChangeEvent(user: Record<string, unknown>, eventId = "EvUC1"): string {
  return JSON.stringify({
    token: "legacy-unused",
    team_id: "T1",
    api_app_id: "A1",
    type: "event_callback",
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: "user_change", user, cache_ts: Math.floor(Date.now() / 1000), event_ts: "1700000000.2" },
  });
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

/**
 * A button clicked in the app's Home tab: the container is the view, and Slack sends no response_url
 * and no channel (the answer cannot go "beside the message").
 */
export function homeButtonClick(fields: { user: string; actionId: string; value: string }): string {
  const payload = {
    type: "block_actions",
    team: { id: "T1", domain: "acme" },
    user: { id: fields.user, username: fields.user.toLowerCase(), team_id: "T1" },
    api_app_id: "A1",
    token: "legacy-unused",
    container: { type: "view", view_id: "VHOME1" },
    trigger_id: "1.2.4",
    view: { id: "VHOME1", type: "home", team_id: "T1", callback_id: "", hash: "h", blocks: [] },
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

/**
 * A modal submitted by `user` (form-encoded, as Slack posts it to /slack/events): the envelope every
 * view_submission shares, around the modal's callback, metadata and input values.
 */
function viewSubmission(
  user: string,
  view: { id: string; callbackId: string; metadata: string; values: Record<string, unknown> },
): string {
  const payload = {
    type: "view_submission",
    team: { id: "T1", domain: "acme" },
    user: { id: user, username: user.toLowerCase(), team_id: "T1" },
    api_app_id: "A1",
    token: "legacy-unused",
    trigger_id: "1.2.3",
    view: {
      id: view.id,
      type: "modal",
      team_id: "T1",
      callback_id: view.callbackId,
      private_metadata: view.metadata,
      hash: "h",
      state: { values: view.values },
    },
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** The "Request deactivation…" modal submitted. */
export function requestModalSubmission(fields: {
  user: string;
  runId: number;
  reason: string;
  /** The users picked (empty: all the audit's inactive users). */
  users?: string[];
  dryRun?: boolean;
}): string {
  return viewSubmission(fields.user, {
    id: "V1",
    callbackId: "gong_approval_request_modal",
    metadata: String(fields.runId),
    values: {
      users: {
        users: {
          type: "multi_static_select",
          selected_options: (fields.users ?? []).map((value) => ({
            value,
            text: { type: "plain_text", text: value },
          })),
        },
      },
      reason: { reason: { type: "plain_text_input", value: fields.reason } },
      dry: {
        dry: {
          type: "checkboxes",
          selected_options: fields.dryRun
            ? [{ value: "dry", text: { type: "plain_text", text: "Dry run" } }]
            : [],
        },
      },
    },
  });
}

/** A modal with a reason input (Keep, an override, Reactivate) submitted by `user`. */
export function reasonModalSubmission(fields: {
  user: string;
  callbackId: string;
  metadata: string;
  reason: string;
}): string {
  return viewSubmission(fields.user, {
    id: "V3",
    callbackId: fields.callbackId,
    metadata: fields.metadata,
    values: { reason: { reason: { type: "plain_text_input", value: fields.reason } } },
  });
}
