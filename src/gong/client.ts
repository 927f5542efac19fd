import type * as z from "zod";
import type { Logger } from "../log.js";
import { addDays, type IsoDate, isIsoDate } from "./days.js";
import {
  GongAuthError,
  GongCursorRejectedError,
  type GongError,
  GongNotFoundError,
  GongRequestError,
  GongResponseError,
} from "./errors.js";
import type { GongHttp, HttpResponse, RequestMeter } from "./http.js";
import {
  activityPageSchema,
  callsExtensivePageSchema,
  callsPageSchema,
  describeZodError,
  type GongCall,
  type GongUser,
  type Records,
  singleUserSchema,
  type UserActivityRecord,
  usersExtensivePageSchema,
  usersPageSchema,
} from "./schemas.js";
import { gongDateTime, splitWindows, type TimeWindow, windowDays } from "./windows.js";

/**
 * Gong's REST endpoints for users and calls (Gong's API contract). Callers never see cursors: listings are
 * async iterators or pagers that keep the cursor inside, restart from page one when Gong rejects or
 * expires it, and never hand out the same record twice.
 */

export interface CallOptions {
  signal?: AbortSignal;
  meter?: RequestMeter;
}

export interface GongClientOptions {
  /** Longest window one /v2/calls request may cover (GONG_CALLS_WINDOW_DAYS, default 90). */
  windowDays: number;
  /** Ids per POST /v2/users/extensive or /v2/calls/extensive request. */
  idsPerRequest?: number;
  /** Restarts of one listing after rejected cursors before giving up. */
  maxCursorRestarts?: number;
  log: Logger;
}

/** Gong's way of saying "nothing matched": a 404 whose errors read "No calls found ...". */
function isEmptyResult(res: HttpResponse): boolean {
  return res.status === 404 && (res.details.errors ?? []).some((e) => /^no\b.*\bfound\b/i.test(e.trim()));
}

function failure(res: HttpResponse, withCursor: boolean, scope?: string): GongError {
  const s = res.status;
  if (s === 401 || s === 403) return new GongAuthError(res.details, scope);
  // The same request without the cursor succeeded a page ago, so a 4xx now is about the cursor.
  if (withCursor && s >= 400 && s < 500) return new GongCursorRejectedError(res.details);
  if (s === 404) return new GongNotFoundError(res.details);
  return new GongRequestError(res.details);
}

function validate<S extends z.ZodType>(schema: S, res: HttpResponse): z.output<S> {
  const parsed = schema.safeParse(res.body);
  if (!parsed.success) throw new GongResponseError(res.details, describeZodError(parsed.error));
  return parsed.data;
}

interface Page<T> {
  items: T[];
  records: Records | undefined;
}

/**
 * Walks one listing page by page. A rejected cursor restarts the listing from page one (cursors expire
 * about an hour after the first page); records already handed out are skipped by key, so a restart costs
 * requests but never duplicates. A server that hands back a cursor it already gave in this pass, or
 * sends far more pages than its own totalRecords allows, is an error, not an endless loop.
 */
export class Pager<T> {
  private cursor: string | undefined;
  private finished = false;
  private readonly seen = new Set<string>();
  private cursorsThisPass = new Set<string>();
  private pagesThisPass = 0;
  private pageBudget = Number.POSITIVE_INFINITY;
  restarts = 0;
  pages = 0;
  totalRecords: number | undefined;

  constructor(
    private readonly where: { method: string; path: string },
    private readonly fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
    private readonly keyOf: (item: T) => string,
    private readonly maxRestarts: number,
    private readonly log: Logger,
  ) {}

  get done(): boolean {
    return this.finished;
  }

  /**
   * Throws unless the listing ran to its end and handed out at least as many records as Gong announced
   * (totalRecords). A listing that stops short (records shifting between offset pages, an early "No ...
   * found") must not pass for a complete one: a sync would record the missing users as gone, an audit
   * would clear users it never saw.
   */
  ensureComplete(): void {
    if (!this.finished) throw new GongResponseError(this.where, "the listing was not read to its end");
    if (this.totalRecords !== undefined && this.seen.size < this.totalRecords) {
      throw new GongResponseError(
        this.where,
        `the listing ended after ${this.seen.size} of the ${this.totalRecords} records Gong announced`,
      );
    }
  }

  /** The next page's records not handed out before; null when the listing is complete. */
  async next(): Promise<T[] | null> {
    while (!this.finished) {
      let page: Page<T>;
      try {
        page = await this.fetchPage(this.cursor);
      } catch (error) {
        if (error instanceof GongCursorRejectedError && this.restarts < this.maxRestarts) {
          this.restarts++;
          this.cursor = undefined;
          this.cursorsThisPass = new Set();
          this.pagesThisPass = 0;
          this.log.warn("gong rejected a cursor; restarting the listing from page one", {
            path: error.path,
            restart: this.restarts,
          });
          continue;
        }
        throw error;
      }
      this.pages++;
      this.pagesThisPass++;
      if (this.cursor === undefined) {
        this.totalRecords = page.records?.totalRecords;
        const size = page.records?.currentPageSize ?? page.items.length;
        if (this.totalRecords !== undefined && size > 0)
          this.pageBudget = Math.ceil(this.totalRecords / size) + 5;
      }
      const fresh: T[] = [];
      for (const item of page.items) {
        const key = this.keyOf(item);
        if (this.seen.has(key)) continue;
        this.seen.add(key);
        fresh.push(item);
      }
      const next = page.records?.cursor ?? undefined;
      if (!next) this.finished = true;
      else if (this.cursorsThisPass.has(next) || this.pagesThisPass > this.pageBudget) {
        throw new GongResponseError(
          this.where,
          `pagination does not end (a repeated cursor or more pages than ${this.totalRecords} records fill); giving up instead of looping`,
        );
      } else this.cursorsThisPass.add(next);
      this.cursor = next;
      if (fresh.length > 0 || this.finished) return fresh;
    }
    return null;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (let page = await this.next(); page !== null; page = await this.next()) yield* page;
  }
}

export interface CallQuery {
  from: Date;
  to: Date;
  /** Only with POST /v2/calls/extensive: the filter Gong applies server-side. */
  primaryUserIds?: readonly string[];
}

/** POST /v2/stats/activity/aggregate: whole days in the company's time zone, `toDate` exclusive. */
export interface ActivityQuery {
  fromDate: IsoDate;
  /** Exclusive, and never after today in the company's time zone (Gong refuses it). */
  toDate: IsoDate;
  /** At most 100 (one page of records); all active users with activity when absent. */
  userIds?: readonly string[];
}

/** A listing of activity records that also reports the company time zone Gong answered in. */
export type ActivityPager = Pager<UserActivityRecord> & { timeZone: string | null };

/** The OAuth scope the activity statistics need (Gong's API contract). */
export const STATS_SCOPE = "api:stats:user-actions";

export class GongClient {
  private readonly idsPerRequest: number;
  private readonly maxCursorRestarts: number;

  constructor(
    private readonly http: GongHttp,
    private readonly options: GongClientOptions,
  ) {
    this.idsPerRequest = options.idsPerRequest ?? 100;
    this.maxCursorRestarts = options.maxCursorRestarts ?? 3;
  }
  /** Every user, page by page (GET /v2/users, cursor in the query). */
  listUsers(opts: CallOptions = {}): Pager<GongUser> {
    return this.pager(
      "GET /v2/users",
      async (cursor) => {
        const res = await this.http.send({
          method: "GET",
          path: "/v2/users",
          query: { cursor, includeAvatars: "false" },
          endpoint: "GET /v2/users",
          ...opts,
        });
        if (isEmptyResult(res)) return { items: [], records: undefined };
        if (res.status !== 200) throw failure(res, cursor !== undefined);
        const page = validate(usersPageSchema, res);
        return { items: page.users, records: page.records };
      },
      (u) => u.id,
    );
  }

  /**
   * One page of users and Gong's own time (its Date header), for `gongops doctor`: proves the key pair or
   * token reads users in one request, and shows the clock's skew.
   */
  async probeUsers(opts: CallOptions = {}): Promise<{ firstId: string | null; serverDate: string | null }> {
    const res = await this.http.send({
      method: "GET",
      path: "/v2/users",
      query: { includeAvatars: "false" },
      endpoint: "GET /v2/users",
      ...opts,
    });
    if (res.status !== 200) throw failure(res, false);
    const page = validate(usersPageSchema, res);
    const date = res.headers.date;
    return { firstId: page.users[0]?.id ?? null, serverDate: typeof date === "string" ? date : null };
  }

  /** One user by Gong id; null when Gong answers 404 (this is "user not found", never an empty page). */
  async getUser(id: string, opts: CallOptions = {}): Promise<GongUser | null> {
    assertGongId(id);
    const res = await this.http.send({
      method: "GET",
      path: `/v2/users/${id}`,
      endpoint: "GET /v2/users/{id}",
      ...opts,
    });
    if (res.status === 404) return null;
    if (res.status !== 200) throw failure(res, false);
    return validate(singleUserSchema, res).user;
  }

  /** Users by id, in batches of at most 100 per POST /v2/users/extensive (cursor in the body), merged. */
  async getUsersExtensive(ids: readonly string[], opts: CallOptions = {}): Promise<GongUser[]> {
    ids.forEach(assertGongId);
    const unique = [...new Set(ids)];
    const byId = new Map<string, GongUser>();
    for (let i = 0; i < unique.length; i += this.idsPerRequest) {
      const batch = unique.slice(i, i + this.idsPerRequest);
      const pager = this.pager(
        "POST /v2/users/extensive",
        async (cursor) => {
          const res = await this.http.send({
            method: "POST",
            path: "/v2/users/extensive",
            body: { filter: { userIds: batch }, ...(cursor ? { cursor } : {}) },
            endpoint: "POST /v2/users/extensive",
            ...opts,
          });
          if (isEmptyResult(res)) return { items: [], records: undefined };
          if (res.status !== 200) throw failure(res, cursor !== undefined);
          const page = validate(usersExtensivePageSchema, res);
          return { items: page.users, records: page.records };
        },
        (u) => u.id,
      );
      for await (const user of pager) byId.set(user.id, user);
    }
    return [...byId.values()];
  }

  /** Every call in [from, to) via GET /v2/calls, split into windows of at most `windowDays`. */
  async *listCalls(from: Date, to: Date, opts: CallOptions = {}): AsyncGenerator<GongCall> {
    for (const window of splitWindows(from, to, this.options.windowDays)) yield* this.callPages(window, opts);
  }

  /**
   * Calls hosted by the given users in [from, to) via POST /v2/calls/extensive: ids in batches, windows
   * split, cursor in the body. Gong filters server-side here, but callers should still check each call's
   * own primaryUserId.
   */
  async *callsExtensive(query: CallQuery, opts: CallOptions = {}): AsyncGenerator<GongCall> {
    const ids = [...new Set(query.primaryUserIds ?? [])];
    for (const window of splitWindows(query.from, query.to, this.options.windowDays)) {
      for (let i = 0; i < ids.length; i += this.idsPerRequest) {
        yield* this.callPages({ ...window, primaryUserIds: ids.slice(i, i + this.idsPerRequest) }, opts);
      }
    }
  }

  /**
   * A pager over one window's calls: GET /v2/calls without ids, POST /v2/calls/extensive with them.
   * The audit planner uses this directly to learn `totalRecords` from a first page before it decides.
   */
  callPages(query: CallQuery & TimeWindow, opts: CallOptions = {}): Pager<GongCall> {
    if (windowDays(query) > this.options.windowDays) {
      throw new RangeError(`a calls window may span at most ${this.options.windowDays} days`);
    }
    const ids = query.primaryUserIds;
    if (ids !== undefined && (ids.length === 0 || ids.length > this.idsPerRequest)) {
      throw new RangeError(`primaryUserIds must hold 1 to ${this.idsPerRequest} ids`);
    }
    ids?.forEach(assertGongId);
    const fromDateTime = gongDateTime(query.from);
    const toDateTime = gongDateTime(query.to);
    return this.pager(
      ids === undefined ? "GET /v2/calls" : "POST /v2/calls/extensive",
      async (cursor) => {
        const res =
          ids === undefined
            ? await this.http.send({
                method: "GET",
                path: "/v2/calls",
                query: { fromDateTime, toDateTime, cursor },
                endpoint: "GET /v2/calls",
                ...opts,
              })
            : await this.http.send({
                method: "POST",
                path: "/v2/calls/extensive",
                body: {
                  filter: { fromDateTime, toDateTime, primaryUserIds: ids },
                  ...(cursor ? { cursor } : {}),
                },
                endpoint: "POST /v2/calls/extensive",
                ...opts,
              });
        if (isEmptyResult(res)) return { items: [], records: undefined };
        if (res.status !== 200) throw failure(res, cursor !== undefined);
        if (ids === undefined) {
          const page = validate(callsPageSchema, res);
          return { items: page.calls, records: page.records };
        }
        const page = validate(callsExtensivePageSchema, res);
        return { items: page.calls.map((c) => c.metaData), records: page.records };
      },
      (c) => c.id,
    );
  }

  /**
   * Per-user activity totals over [fromDate, toDate) in the company's time zone, only for users with
   * activity (POST /v2/stats/activity/aggregate, cursor in the body, every other input unchanged). A
   * 401/403 names the scope the endpoint needs; "No ... found" is an empty listing.
   */
  activityPages(query: ActivityQuery, opts: CallOptions = {}): ActivityPager {
    const { fromDate, toDate } = query;
    if (!isIsoDate(fromDate) || !isIsoDate(toDate))
      throw new RangeError(`activity dates must be YYYY-MM-DD, got ${fromDate} and ${toDate}`);
    if (!(fromDate < toDate)) throw new RangeError(`fromDate ${fromDate} must be before toDate ${toDate}`);
    const ids = query.userIds === undefined ? undefined : [...new Set(query.userIds)];
    if (ids !== undefined && (ids.length === 0 || ids.length > this.idsPerRequest)) {
      throw new RangeError(`userIds must hold 1 to ${this.idsPerRequest} ids`);
    }
    ids?.forEach(assertGongId);
    const filter = { fromDate, toDate, ...(ids ? { userIds: ids } : {}) };
    const pager: ActivityPager = Object.assign(
      this.pager<UserActivityRecord>(
        "POST /v2/stats/activity/aggregate",
        async (cursor) => {
          const res = await this.http.send({
            method: "POST",
            path: "/v2/stats/activity/aggregate",
            body: { filter, ...(cursor ? { cursor } : {}) },
            endpoint: "POST /v2/stats/activity/aggregate",
            ...opts,
          });
          if (isEmptyResult(res)) return { items: [], records: undefined };
          if (res.status !== 200) throw failure(res, cursor !== undefined, STATS_SCOPE);
          const page = validate(activityPageSchema, res);
          pager.timeZone ??= page.timeZone ?? null;
          return { items: page.usersAggregateActivityStats, records: page.records };
        },
        (r) => r.userId,
      ),
      { timeZone: null as string | null },
    );
    return pager;
  }

  /**
   * The company's time zone, as Gong states it in an activity answer. Asked over days that are never
   * after today anywhere (time zones span UTC-12 to UTC+14, so yesterday in UTC has begun everywhere);
   * null when Gong saw no activity at all in the last 90 days and so sent no answer with a zone.
   */
  async companyTimeZone(now: Date, opts: CallOptions = {}): Promise<string | null> {
    const safeTo = addDays(now.toISOString().slice(0, 10), -1);
    for (const span of [7, 90]) {
      const pager = this.activityPages({ fromDate: addDays(safeTo, -span), toDate: safeTo }, opts);
      await pager.next();
      if (pager.timeZone) return pager.timeZone;
    }
    return null;
  }

  private pager<T>(
    endpoint: string,
    fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
    keyOf: (t: T) => string,
  ): Pager<T> {
    const [method = "GET", path = endpoint] = endpoint.split(" ");
    return new Pager({ method, path }, fetchPage, keyOf, this.maxCursorRestarts, this.options.log);
  }
}

function assertGongId(id: string): void {
  if (!/^\d{1,20}$/.test(id))
    throw new RangeError(`not a Gong id (expected up to 20 digits): ${JSON.stringify(id)}`);
}
