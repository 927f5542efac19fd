import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isIsoDate, startOfZonedDay, zonedDate, zonedDateTime } from "../gong/days.js";
import { DAY_MS } from "../gong/windows.js";
import { CursorSigner } from "./cursor.js";
import { type OrgOptions, type SimCall, SimOrg, type SimUser } from "./org.js";
import { scimFilterMatches, scimUserResource } from "./scim.js";

/**
 * A stateful Gong on loopback that enforces Gong's API contract as the original design reference describes it:
 * auth, 3 in flight, 3 starts per second, a daily quota (429 + Retry-After), pages of 100 with signed
 * expiring cursors, the 90-day window cap on /v2/calls, 404-as-empty, cursor-in-body for POST, and SCIM.
 * Switches add latency, faults and the "public docs" behaviour; stats record what it saw.
 */

export interface SimCredentials {
  accessKey: string;
  accessKeySecret: string;
  oauthToken: string;
  scimToken: string;
}

export interface SimSettings {
  /** null switches a limit off. */
  maxConcurrent: number | null;
  maxRps: number | null;
  dailyQuota: number | null;
  pageSize: number;
  cursorTtlMs: number;
  /** Longest window /v2/calls accepts; null for none (public docs document no cap). */
  windowCapDays: number | null;
  latencyMs: number;
  jitterMs: number;
  /**
   * Network jitter on the way in: each request waits a random 0..N ms *before* it is counted against
   * the limits, as Gong counts arrivals (latencyMs and jitterMs are applied after counting).
   */
  arrivalJitterMs: number;
  /** "public-docs": GET /v2/calls ignores primaryUserIds, as Gong's public docs describe it. */
  mode: "seed" | "public-docs";
  /** Send ids as bare JSON numbers (as some Gong endpoints do), to exercise lossless parsing. */
  bareNumericIds: boolean;
  /** Retry-After sent with 429s for concurrency and per-second limits. */
  limitRetryAfterSeconds: number;
  /** A loose server: toDateTime taken as inclusive (clients must check each call's own time). */
  inclusiveToDateTime: boolean;
}

export type SimFault =
  | { kind: "status"; status: number; retryAfter?: string; errors?: string[] }
  | { kind: "slow"; delayMs: number }
  | { kind: "truncate" }
  | { kind: "malformed" }
  | { kind: "reset" }
  | { kind: "expireCursor" }
  /** The request is carried out (a PATCH lands), then answered with this status anyway. */
  | { kind: "landed"; status: number };

export interface FaultRule {
  fault: SimFault;
  /** Endpoint label, e.g. "GET /v2/users"; any endpoint when absent. */
  endpoint?: string;
  /** Only requests that carry a cursor. */
  withCursor?: boolean;
  /** Matching requests let through before the fault fires. */
  after?: number;
  /** How many times it fires (default 1). */
  times?: number;
}

export interface SimOptions extends Partial<SimSettings> {
  org?: SimOrg;
  orgOptions?: OrgOptions;
  host?: string;
  port?: number;
  credentials?: Partial<SimCredentials>;
  /** What "today" is for the activity statistics (ms epoch); the real clock by default. */
  clock?: () => number;
}

export class SimStats {
  requests = 0;
  byEndpoint: Record<string, number> = {};
  byStatus: Record<string, number> = {};
  sent429 = 0;
  inFlight = 0;
  maxInFlight = 0;
  maxStartsPerSecond = 0;
  /** Arrival times of the first and the latest request since the last reset (ms epoch). */
  firstAt = 0;
  lastAt = 0;
  private arrivals: number[] = [];

  arrive(endpoint: string, now: number): void {
    if (this.requests === 0) this.firstAt = now;
    this.lastAt = now;
    this.requests++;
    this.byEndpoint[endpoint] = (this.byEndpoint[endpoint] ?? 0) + 1;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.arrivals.push(now);
    while (this.arrivals.length > 0 && now - this.arrivals[0]! >= 1000) this.arrivals.shift();
    this.maxStartsPerSecond = Math.max(this.maxStartsPerSecond, this.arrivals.length);
  }

  reset(): void {
    this.requests = 0;
    this.byEndpoint = {};
    this.byStatus = {};
    this.sent429 = 0;
    this.maxInFlight = this.inFlight;
    this.maxStartsPerSecond = 0;
    this.firstAt = 0;
    this.lastAt = 0;
    this.arrivals = [];
  }
}

const DEFAULTS: SimSettings = {
  maxConcurrent: 3,
  maxRps: 3,
  dailyQuota: 10_000,
  pageSize: 100,
  cursorTtlMs: 60 * 60 * 1000,
  windowCapDays: 90,
  latencyMs: 0,
  jitterMs: 0,
  arrivalJitterMs: 0,
  mode: "seed",
  bareNumericIds: false,
  limitRetryAfterSeconds: 1,
  inclusiveToDateTime: false,
};

export const SIM_CREDENTIALS: SimCredentials = {
  accessKey: "sim-access-key",
  accessKeySecret: "sim-access-key-secret",
  oauthToken: "sim-oauth-token",
  scimToken: "sim-scim-token",
};

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  contentType?: string;
}

interface Ctx {
  method: string;
  url: URL;
  body: unknown;
  endpoint: string;
  requestId: string;
  cursor: string | undefined;
  expireCursor: boolean;
  now: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";

function gongError(status: number, requestId: string, ...errors: string[]): Reply {
  return { status, body: { requestId, errors } };
}

function scimError(status: number, detail: string, scimType?: string): Reply {
  return {
    status,
    contentType: "application/scim+json",
    body: { schemas: [SCIM_ERROR], status: String(status), ...(scimType ? { scimType } : {}), detail },
  };
}

function endpointOf(method: string, path: string): string {
  if (/^\/v2\/users\/\d+$/.test(path)) return `${method} /v2/users/{id}`;
  if (/^\/scim\/v2\/Users\/[^/]+$/.test(path)) return `${method} /scim/v2/Users/{id}`;
  return `${method} ${path}`;
}

export class GongSim {
  readonly org: SimOrg;
  readonly settings: SimSettings;
  readonly stats = new SimStats();
  readonly credentials: SimCredentials;
  private readonly server: Server;
  private readonly signer: CursorSigner;
  private rules: (FaultRule & { seen: number; fired: number })[] = [];
  private readonly acceptedStarts: number[] = [];
  private quotaDay = "";
  private quotaUsed = 0;
  private readonly clock: () => number;
  /** The last activity listing computed (pages of one listing share it). */
  private activityCache: { key: string; items: object[] } | null = null;
  url = "";

  private constructor(options: SimOptions) {
    this.org = options.org ?? SimOrg.generate(options.orgOptions);
    this.settings = { ...DEFAULTS };
    for (const key of Object.keys(DEFAULTS) as (keyof SimSettings)[]) {
      if (options[key] !== undefined)
        (this.settings as unknown as Record<string, unknown>)[key] = options[key];
    }
    this.credentials = { ...SIM_CREDENTIALS, ...options.credentials };
    this.clock = options.clock ?? Date.now;
    this.signer = new CursorSigner(this.settings.cursorTtlMs);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ requestId: "sim", errors: [`sim crashed: ${(error as Error).message}`] }));
      });
    });
    this.server.keepAliveTimeout = 30_000;
  }

  static async start(options: SimOptions = {}): Promise<GongSim> {
    const sim = new GongSim(options);
    sim.org.prepare();
    await new Promise<void>((resolve, reject) => {
      sim.server.once("error", reject);
      sim.server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
    });
    const { address, port } = sim.server.address() as AddressInfo;
    sim.url = `http://${address}:${port}`;
    return sim;
  }

  get scimUrl(): string {
    return `${this.url}/scim/v2`;
  }

  /** Environment that points gongops at this simulator. */
  env(): Record<string, string> {
    return {
      GONG_API_BASE_URL: this.url,
      GONG_ACCESS_KEY: this.credentials.accessKey,
      GONG_ACCESS_KEY_SECRET: this.credentials.accessKeySecret,
      GONG_SCIM_BASE_URL: this.scimUrl,
      GONG_SCIM_TOKEN: this.credentials.scimToken,
    };
  }

  addFault(rule: FaultRule): void {
    this.rules.push({ ...rule, seen: 0, fired: 0 });
  }

  clearFaults(): void {
    this.rules = [];
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- request pipeline ----------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://sim");
    const method = req.method ?? "GET";
    if (url.pathname === "/health") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      return;
    }
    if (this.settings.arrivalJitterMs > 0) await sleep(Math.random() * this.settings.arrivalJitterMs);
    const now = Date.now();
    const endpoint = endpointOf(method, url.pathname);
    this.stats.arrive(endpoint, now);
    res.once("close", () => this.stats.inFlight--);

    const raw = await readBody(req);
    const requestId = randomBytes(8).toString("hex");
    const s = this.settings;
    const delay = s.latencyMs + (s.jitterMs > 0 ? Math.random() * s.jitterMs : 0);

    let reply: Reply | "reset";
    let body: unknown;
    let bodyOk = true;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        bodyOk = false;
      }
    }
    const isScim = url.pathname.startsWith("/scim/");
    const cursor =
      method === "GET"
        ? (url.searchParams.get("cursor") ?? undefined)
        : ((body as { cursor?: string })?.cursor ?? undefined);
    const ctx: Ctx = { method, url, body, endpoint, requestId, cursor, expireCursor: false, now };

    const refusal = this.authenticate(req, isScim, requestId) ?? this.enforceLimits(now, isScim, requestId);
    const fault = refusal ? undefined : this.nextFault(ctx);
    if (delay > 0) await sleep(delay);
    if (refusal) reply = refusal;
    else if (!bodyOk)
      reply = isScim
        ? scimError(400, "request body is not JSON", "invalidSyntax")
        : gongError(400, requestId, "Malformed JSON body");
    else if (fault?.kind === "status") {
      reply = gongError(fault.status, requestId, ...(fault.errors ?? [`simulated ${fault.status}`]));
      if (fault.retryAfter !== undefined) reply.headers = { "retry-after": fault.retryAfter };
    } else if (fault?.kind === "reset") reply = "reset";
    else {
      if (fault?.kind === "slow") await sleep(fault.delayMs);
      if (fault?.kind === "expireCursor") ctx.expireCursor = true;
      reply = isScim ? this.routeScim(ctx) : this.routeRest(ctx);
      if (fault?.kind === "landed")
        reply = isScim
          ? scimError(fault.status, `simulated ${fault.status} after the change was made`)
          : gongError(fault.status, requestId, `simulated ${fault.status}`);
    }

    if (reply === "reset") {
      req.socket.destroy();
      return;
    }
    this.stats.byStatus[reply.status] = (this.stats.byStatus[reply.status] ?? 0) + 1;
    if (reply.status === 429) this.stats.sent429++;
    let text = reply.body === undefined ? "" : JSON.stringify(reply.body);
    if (s.bareNumericIds && !isScim)
      text = text.replace(/"(id|managerId|primaryUserId|userId)":"(\d+)"/g, '"$1":$2');
    if (fault?.kind === "truncate") text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
    if (fault?.kind === "malformed") text = `{"requestId":"${requestId}","oops": <html>`;
    res.writeHead(reply.status, {
      "content-type": reply.contentType ?? "application/json",
      "content-length": String(Buffer.byteLength(text)),
      ...reply.headers,
    });
    res.end(text);
  }

  private authenticate(req: IncomingMessage, isScim: boolean, requestId: string): Reply | undefined {
    const header = req.headers.authorization ?? "";
    const c = this.credentials;
    if (isScim) {
      return header === `Bearer ${c.scimToken}`
        ? undefined
        : scimError(401, "invalid or missing bearer token");
    }
    const basic = `Basic ${Buffer.from(`${c.accessKey}:${c.accessKeySecret}`).toString("base64")}`;
    if (header === basic || header === `Bearer ${c.oauthToken}`) return undefined;
    return gongError(401, requestId, "Unauthorized: invalid credentials");
  }

  private enforceLimits(now: number, isScim: boolean, requestId: string): Reply | undefined {
    const s = this.settings;
    const limited = (retryAfter: number, why: string): Reply => ({
      ...(isScim ? scimError(429, why, "tooMany") : gongError(429, requestId, why)),
      headers: { "retry-after": String(retryAfter) },
    });
    if (s.maxConcurrent !== null && this.stats.inFlight > s.maxConcurrent) {
      return limited(s.limitRetryAfterSeconds, `Too many concurrent requests (limit ${s.maxConcurrent})`);
    }
    while (this.acceptedStarts.length > 0 && now - this.acceptedStarts[0]! >= 1000)
      this.acceptedStarts.shift();
    if (s.maxRps !== null && this.acceptedStarts.length >= s.maxRps) {
      return limited(s.limitRetryAfterSeconds, `Too many requests per second (limit ${s.maxRps})`);
    }
    const day = new Date(now).toISOString().slice(0, 10);
    if (day !== this.quotaDay) {
      this.quotaDay = day;
      this.quotaUsed = 0;
    }
    if (s.dailyQuota !== null && this.quotaUsed >= s.dailyQuota) {
      const midnight = Date.parse(`${day}T00:00:00Z`) + DAY_MS;
      return limited(Math.ceil((midnight - now) / 1000), "Daily API quota exceeded");
    }
    this.acceptedStarts.push(now);
    this.quotaUsed++;
    return undefined;
  }

  private nextFault(ctx: Ctx): SimFault | undefined {
    for (const rule of this.rules) {
      if (rule.endpoint && rule.endpoint !== ctx.endpoint) continue;
      if (rule.withCursor && ctx.cursor === undefined) continue;
      rule.seen++;
      if (rule.seen <= (rule.after ?? 0)) continue;
      if (rule.fired >= (rule.times ?? 1)) continue;
      rule.fired++;
      return rule.fault;
    }
    return undefined;
  }

  // ---- REST ----------------------------------------------------------------------------------------

  private routeRest(ctx: Ctx): Reply {
    const { method, url, endpoint } = ctx;
    if (endpoint === "GET /v2/users") return this.listUsers(ctx);
    if (endpoint === "GET /v2/users/{id}") {
      const user = this.org.user(url.pathname.split("/").pop()!);
      return user
        ? { status: 200, body: { requestId: ctx.requestId, user: userJson(user) } }
        : gongError(404, ctx.requestId, "User not found");
    }
    if (endpoint === "POST /v2/users/extensive") return this.usersExtensive(ctx);
    if (endpoint === "GET /v2/calls") return this.listCalls(ctx);
    if (endpoint === "POST /v2/calls/extensive") return this.callsExtensive(ctx);
    if (endpoint === "POST /v2/stats/activity/aggregate") return this.activityAggregate(ctx);
    if (
      [
        "/v2/users",
        "/v2/users/extensive",
        "/v2/calls",
        "/v2/calls/extensive",
        "/v2/stats/activity/aggregate",
      ].includes(url.pathname)
    ) {
      return gongError(405, ctx.requestId, `Method ${method} not allowed`);
    }
    return gongError(404, ctx.requestId, `No such endpoint: ${url.pathname}`);
  }

  /** One page of `items` under a signed cursor bound to `listing`, or the error for a bad cursor. */
  private page<T>(
    ctx: Ctx,
    listing: string,
    items: readonly T[],
    what: string,
  ): { reply: Reply } | { page: T[]; records: object } {
    let offset = 0;
    let firstPageAt = ctx.now;
    if (ctx.cursor !== undefined) {
      const check = this.signer.verify(ctx.cursor, listing, ctx.now);
      if (!check.ok)
        return {
          reply: gongError(
            400,
            ctx.requestId,
            `The cursor is ${check.reason === "expired" ? "expired" : "invalid"}`,
          ),
        };
      if (ctx.expireCursor) return { reply: gongError(400, ctx.requestId, "The cursor is expired") };
      offset = check.state.offset;
      firstPageAt = check.state.firstPageAt;
    }
    if (items.length === 0) {
      return {
        reply: gongError(404, ctx.requestId, `No ${what} found corresponding to the provided filters`),
      };
    }
    const size = this.settings.pageSize;
    const page = items.slice(offset, offset + size);
    const more = offset + size < items.length;
    const records = {
      totalRecords: items.length,
      currentPageSize: page.length,
      currentPageNumber: Math.floor(offset / size),
      ...(more ? { cursor: this.signer.sign({ listing, offset: offset + size, firstPageAt }) } : {}),
    };
    return { page, records };
  }

  private listUsers(ctx: Ctx): Reply {
    const result = this.page(ctx, "users", this.org.users(), "users");
    if ("reply" in result) return result.reply;
    return {
      status: 200,
      body: { requestId: ctx.requestId, records: result.records, users: result.page.map(userJson) },
    };
  }

  private usersExtensive(ctx: Ctx): Reply {
    const filter = ((ctx.body as { filter?: Record<string, unknown> })?.filter ?? {}) as {
      userIds?: unknown;
      createdFromDateTime?: unknown;
      createdToDateTime?: unknown;
    };
    let users = this.org.users();
    if (filter.userIds !== undefined) {
      if (
        !Array.isArray(filter.userIds) ||
        !filter.userIds.every((id) => typeof id === "string" && /^\d+$/.test(id))
      ) {
        return gongError(400, ctx.requestId, "filter.userIds must be an array of id strings");
      }
      if (filter.userIds.length > 100)
        return gongError(400, ctx.requestId, "filter.userIds may hold at most 100 ids");
      const wanted = new Set(filter.userIds as string[]);
      users = users.filter((u) => wanted.has(u.id));
    }
    const from = parseDate(filter.createdFromDateTime);
    const to = parseDate(filter.createdToDateTime);
    if (from === null || to === null) return gongError(400, ctx.requestId, "created dates must be ISO-8601");
    if (from !== undefined) users = users.filter((u) => Date.parse(u.created) >= from);
    if (to !== undefined) users = users.filter((u) => Date.parse(u.created) < to);
    const listing = `users/extensive:${JSON.stringify([filter.userIds ?? null, filter.createdFromDateTime ?? null, filter.createdToDateTime ?? null])}`;
    const result = this.page(ctx, listing, users, "users");
    if ("reply" in result) return result.reply;
    return {
      status: 200,
      body: { requestId: ctx.requestId, records: result.records, users: result.page.map(userJson) },
    };
  }

  /** Validates a calls date range: from required, to defaults to now, span within the cap. */
  private callRange(ctx: Ctx, fromRaw: unknown, toRaw: unknown): { from: number; to: number } | Reply {
    const from = parseDate(fromRaw);
    const to = parseDate(toRaw);
    if (from === undefined) return gongError(400, ctx.requestId, "fromDateTime is required");
    if (from === null || to === null)
      return gongError(400, ctx.requestId, "fromDateTime and toDateTime must be ISO-8601");
    const end = to ?? ctx.now;
    if (end <= from) return gongError(400, ctx.requestId, "toDateTime must be after fromDateTime");
    const cap = this.settings.windowCapDays;
    if (cap !== null && end - from > cap * DAY_MS) {
      return gongError(400, ctx.requestId, `The date range may not exceed ${cap} days`);
    }
    return { from, to: this.settings.inclusiveToDateTime ? end + 1 : end };
  }

  private listCalls(ctx: Ctx): Reply {
    const q = ctx.url.searchParams;
    const range = this.callRange(ctx, q.get("fromDateTime") ?? undefined, q.get("toDateTime") ?? undefined);
    if ("status" in range) return range;
    // The seed documents primaryUserIds on GET /v2/calls; the public docs say it is ignored there.
    const ids =
      this.settings.mode === "seed"
        ? q
            .getAll("primaryUserIds")
            .flatMap((v) => v.split(","))
            .filter(Boolean)
        : [];
    const calls = this.org.callsBetween(range.from, range.to, ids.length > 0 ? new Set(ids) : undefined);
    const listing = `calls:${range.from}:${range.to}:${[...ids].sort().join(",")}`;
    const result = this.page(ctx, listing, calls, "calls");
    if ("reply" in result) return result.reply;
    return {
      status: 200,
      body: { requestId: ctx.requestId, records: result.records, calls: result.page.map(callJson) },
    };
  }

  private callsExtensive(ctx: Ctx): Reply {
    const filter = ((ctx.body as { filter?: Record<string, unknown> })?.filter ?? {}) as {
      fromDateTime?: unknown;
      toDateTime?: unknown;
      primaryUserIds?: unknown;
    };
    const range = this.callRange(ctx, filter.fromDateTime, filter.toDateTime);
    if ("status" in range) return range;
    let ids: string[] | undefined;
    if (filter.primaryUserIds !== undefined) {
      if (
        !Array.isArray(filter.primaryUserIds) ||
        !filter.primaryUserIds.every((id) => typeof id === "string")
      ) {
        return gongError(400, ctx.requestId, "filter.primaryUserIds must be an array of id strings");
      }
      ids = filter.primaryUserIds as string[];
    }
    const calls = this.org.callsBetween(range.from, range.to, ids ? new Set(ids) : undefined);
    const listing = `calls/extensive:${range.from}:${range.to}:${ids ? [...ids].sort().join(",") : "*"}`;
    const result = this.page(ctx, listing, calls, "calls");
    if ("reply" in result) return result.reply;
    return {
      status: 200,
      body: {
        requestId: ctx.requestId,
        records: result.records,
        calls: result.page.map((c) => ({ metaData: callJson(c), parties: [] })),
      },
    };
  }

  /**
   * POST /v2/stats/activity/aggregate: whole days [fromDate, toDate) in the company's time zone, a
   * toDate after today (there) refused, only active users with some activity, cursor in the body.
   */
  private activityAggregate(ctx: Ctx): Reply {
    const filter = ((ctx.body as { filter?: Record<string, unknown> })?.filter ?? {}) as {
      fromDate?: unknown;
      toDate?: unknown;
      userIds?: unknown;
    };
    const { fromDate, toDate } = filter;
    const tz = this.org.timeZone;
    if (
      typeof fromDate !== "string" ||
      typeof toDate !== "string" ||
      !isIsoDate(fromDate) ||
      !isIsoDate(toDate)
    )
      return gongError(400, ctx.requestId, "filter.fromDate and filter.toDate are required, as YYYY-MM-DD");
    if (fromDate >= toDate) return gongError(400, ctx.requestId, "toDate must be after fromDate");
    const today = zonedDate(this.clock(), tz);
    if (toDate > today)
      return gongError(400, ctx.requestId, `toDate may not be after today (${today}, ${tz})`);
    let wanted: Set<string> | null = null;
    if (filter.userIds !== undefined) {
      if (
        !Array.isArray(filter.userIds) ||
        !filter.userIds.every((id) => typeof id === "string" && /^\d+$/.test(id))
      )
        return gongError(400, ctx.requestId, "filter.userIds must be an array of id strings");
      wanted = new Set(filter.userIds as string[]);
    }
    const listing = `activity:${fromDate}:${toDate}:${wanted ? [...wanted].sort().join(",") : "*"}`;
    // Later pages of one listing reuse what its first page computed; a first page always computes afresh.
    let items =
      ctx.cursor !== undefined && this.activityCache?.key === listing ? this.activityCache.items : null;
    if (!items) {
      items = [];
      for (const u of this.org.users()) {
        if (!u.active || (wanted && !wanted.has(u.id))) continue;
        const counts = this.org.activityOnDays(u.id, fromDate, toDate);
        if (Object.keys(counts).length === 0) continue;
        items.push({ userId: u.id, userEmailAddress: u.emailAddress, userAggregateActivityStats: counts });
      }
      this.activityCache = { key: listing, items };
    }
    const result = this.page(ctx, listing, items, "activity");
    if ("reply" in result) return result.reply;
    return {
      status: 200,
      body: {
        requestId: ctx.requestId,
        records: result.records,
        timeZone: tz,
        fromDateTime: zonedDateTime(startOfZonedDay(fromDate, tz), tz),
        toDateTime: zonedDateTime(startOfZonedDay(toDate, tz), tz),
        usersAggregateActivityStats: result.page,
      },
    };
  }

  // ---- SCIM ----------------------------------------------------------------------------------------

  private routeScim(ctx: Ctx): Reply {
    const { endpoint, url } = ctx;
    if (endpoint === "GET /scim/v2/Users") {
      const filter = url.searchParams.get("filter");
      let users = this.org.users();
      if (filter !== null) {
        const matcher = scimFilterMatches(filter);
        if (!matcher) return scimError(400, `unsupported filter: ${filter}`, "invalidFilter");
        users = users.filter(matcher);
      }
      const start = Math.max(1, Number(url.searchParams.get("startIndex") ?? 1) || 1);
      const count = Math.max(0, Number(url.searchParams.get("count") ?? 100) || 100);
      const page = users.slice(start - 1, start - 1 + count);
      return {
        status: 200,
        contentType: "application/scim+json",
        body: {
          schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
          totalResults: users.length,
          startIndex: start,
          itemsPerPage: page.length,
          Resources: page.map((u) => scimUserResource(u, this.org.scimIdOf(u.id)!)),
        },
      };
    }
    const scimId = decodeURIComponent(url.pathname.split("/").pop() ?? "");
    const user = this.org.userByScimId(scimId);
    if (endpoint === "GET /scim/v2/Users/{id}") {
      if (!user) return scimError(404, `User ${scimId} not found`);
      return { status: 200, contentType: "application/scim+json", body: scimUserResource(user, scimId) };
    }
    if (endpoint === "PATCH /scim/v2/Users/{id}") {
      if (!user) return scimError(404, `User ${scimId} not found`);
      const ops = (ctx.body as { Operations?: unknown })?.Operations;
      if (!Array.isArray(ops) || ops.length === 0)
        return scimError(400, "Operations is required", "invalidSyntax");
      for (const op of ops as { op?: string; path?: string; value?: unknown }[]) {
        const kind = (op.op ?? "").toLowerCase();
        if (kind !== "replace" && kind !== "add")
          return scimError(400, `unsupported op ${op.op}`, "invalidSyntax");
        const value =
          op.path?.toLowerCase() === "active"
            ? op.value
            : op.path === undefined && op.value && typeof op.value === "object"
              ? (op.value as { active?: unknown }).active
              : undefined;
        if (typeof value !== "boolean")
          return scimError(400, "only `active` can be changed here", "invalidValue");
        user.active = value;
      }
      return { status: 200, contentType: "application/scim+json", body: scimUserResource(user, scimId) };
    }
    return scimError(404, `No such endpoint: ${url.pathname}`);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** undefined when absent, null when present but not a date. */
function parseDate(value: unknown): number | null | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

function userJson(u: SimUser): SimUser {
  return u;
}

function callJson(c: SimCall): Record<string, unknown> {
  return {
    id: c.id,
    url: `https://app.gong.example/call?id=${c.id}`,
    title: c.title,
    scheduled: new Date(c.at).toISOString(),
    started: new Date(c.started).toISOString(),
    duration: c.duration,
    primaryUserId: c.primaryUserId,
    direction: c.direction,
    system: c.system,
    scope: c.scope,
    media: "Video",
    language: "eng",
    workspaceId: "5550000000000000001",
    purpose: null,
    meetingUrl: "https://zoom.example/j/1",
    isPrivate: false,
    calendarEventId: null,
  };
}
