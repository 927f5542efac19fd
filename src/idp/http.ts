import Bottleneck from "bottleneck";
import { Agent, type Dispatcher, request } from "undici";
import type { IdpObserver } from "../approvals/deprovision.js";
import { type Clock, systemClock } from "../clock.js";
import { GongopsError } from "../errors.js";
import { backoffDelay, parseRetryAfter, type RetryPolicy } from "../gong/retry.js";
import type { Logger } from "../log.js";

/**
 * The wire layer of the identity-provider adapters (Okta, Microsoft Graph), after gong/http.ts: its own
 * limiter (an IdP's limits have nothing to do with Gong's), the same retry rules (gong/retry.ts), and the
 * vendor's own 429 header, read by the adapter. It returns 2xx and 4xx to the caller, which knows what a
 * 404 means; it throws for what retrying could not fix. The Authorization header is built per request and
 * never logged: errors carry method, endpoint template, status and the vendor's error code only.
 *
 * Time: waits and holds run on the app's one Clock, but an instant the vendor names (Okta's
 * X-Rate-Limit-Reset, an HTTP-date Retry-After) is read against the answer's own `Date` header, so a
 * host whose clock is off by minutes still waits as long as the vendor meant. Each call is reported to
 * the observer its caller passed (the trail of the subject it is for), never to a shared slot.
 */

export interface IdpErrorDetails {
  vendor: string;
  method: string;
  endpoint: string;
  status?: number;
  /** The vendor's error code: Okta's `errorCode` (E0000046), Graph's `error.code`. */
  vendorCode?: string;
  summary?: string;
}

export class IdpError extends GongopsError {
  constructor(
    readonly details: IdpErrorDetails,
    message: string,
    options?: { cause?: unknown },
  ) {
    super("IDP_ERROR", message, options);
  }
  get status(): number | undefined {
    return this.details.status;
  }
}

/** The IdP asked to wait longer than we sleep through: the job waits until `retryAt`. */
export class IdpRetryAfterTooLongError extends IdpError {
  constructor(
    details: IdpErrorDetails,
    readonly retryAt: Date,
  ) {
    super(details, `${details.vendor} asked to wait until ${retryAt.toISOString()}`);
  }
}

export interface IdpLimits {
  maxConcurrent: number;
  /** Starts per second (Okta's buckets are per minute per endpoint: 600/min on app users is 10/s). */
  maxRps: number;
}

export interface IdpHttpOptions {
  vendor: string;
  baseUrl: string;
  /**
   * The request's auth headers (Authorization, and DPoP for Okta's OAuth apps), built per request: a
   * cached OAuth token may need renewal, and a DPoP proof names the method and URL it is for.
   */
  authorize: (req: {
    method: string;
    url: URL;
    observe: IdpObserver | null;
  }) => Promise<Record<string, string>>;
  /**
   * The vendor answered 401: true when the request should go once more (a cached OAuth token was
   * dropped, `authorize` fetches a fresh one); false or absent returns the 401 to the caller.
   */
  onUnauthorized?: () => boolean;
  /**
   * How long a 429 asks to wait, in ms from `now`, from the vendor's own headers; null if it says not.
   * `now` is the vendor's clock (the answer's Date header) when it sent one.
   */
  retryAfter: (headers: Record<string, string | string[] | undefined>, now: number) => number | null;
  /**
   * How long to hold off before the next request of the same bucket, read from any answer's headers
   * (Okta says how many calls its bucket has left, and when it refills): waiting out an empty bucket
   * spares a 429. `now` as for retryAfter.
   */
  holdOff?: (headers: Record<string, string | string[] | undefined>, now: number) => number | null;
  /**
   * The vendor's rate-limit bucket a request counts against (Okta's are per endpoint family): a hold or
   * a 429 pauses that bucket only. One bucket for every request when absent (Graph throttles per app).
   */
  bucketOf?: (req: IdpRequest) => string;
  /** Reads the vendor's error code and summary out of an error body. */
  errorOf?: (body: unknown) => { code?: string; summary?: string };
  limits?: Partial<IdpLimits>;
  retry?: Partial<RetryPolicy>;
  /** The app's one clock (now, and the waits); the system's by default. */
  clock?: Clock;
  /** The back-off's jitter; Math.random by default (tests pin it). */
  random?: () => number;
  dispatcher?: Dispatcher;
  log: Logger;
  timeoutMs?: number;
}

export interface IdpRequest {
  method: "GET" | "POST" | "DELETE" | "PATCH";
  /**
   * A path under the base URL, or a whole URL the vendor handed back for the next page (Okta's Link
   * header, Graph's @odata.nextLink). A whole URL must be on the base URL's origin: the token is never
   * sent anywhere else.
   */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Headers the endpoint asks for beyond auth and JSON (Graph's `ConsistencyLevel: eventual`). */
  headers?: Record<string, string>;
  /** The endpoint template for the trail and logs: "DELETE /api/v1/apps/{appId}/users/{userId}". */
  endpoint: string;
}

export interface IdpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  details: IdpErrorDetails;
}

export const idpRetryDefaults: RetryPolicy = {
  maxRetries: 3,
  max429Retries: 5,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
  retryAfterMaxMs: 90_000,
  defaultRetryAfterMs: 5_000,
};

export class IdpHttp {
  private readonly base: string;
  private readonly limiter: Bottleneck;
  private readonly retry: RetryPolicy;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly dispatcher: Dispatcher;
  private readonly ownDispatcher: Agent | null;
  /** Per rate-limit bucket, the instant (on our clock) before which no request of it goes out. */
  private readonly pausedUntil = new Map<string, number>();

  constructor(private readonly options: IdpHttpOptions) {
    this.base = options.baseUrl.replace(/\/+$/, "");
    const limits = { maxConcurrent: 2, maxRps: 5, ...options.limits };
    this.limiter = new Bottleneck({
      maxConcurrent: limits.maxConcurrent,
      minTime: Math.ceil(1000 / limits.maxRps),
    });
    this.retry = { ...idpRetryDefaults, ...options.retry };
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    const timeout = options.timeoutMs ?? 30_000;
    this.ownDispatcher = options.dispatcher
      ? null
      : new Agent({ connections: limits.maxConcurrent + 1, headersTimeout: timeout, bodyTimeout: timeout });
    this.dispatcher = options.dispatcher ?? this.ownDispatcher!;
  }

  /**
   * One request, retried as the rules say. Every attempt (and a token request it needed) is reported to
   * `observe`: the trail of the subject this call is for.
   */
  async send(req: IdpRequest, observe: IdpObserver | null = null): Promise<IdpResponse> {
    const { retry, clock, options } = this;
    const details: IdpErrorDetails = { vendor: options.vendor, method: req.method, endpoint: req.endpoint };
    const url = this.urlOf(req, details); // an off-origin link throws here, before any retry
    const bucket = options.bucketOf?.(req) ?? "";
    let failures = 0;
    let rateLimited = 0;
    let reauthorized = false;
    for (;;) {
      const pause = (this.pausedUntil.get(bucket) ?? 0) - clock.now();
      if (pause > 0) await clock.sleep(pause);
      let res: IdpResponse;
      try {
        res = await this.limiter.schedule(() => this.once(req, url, details, observe));
      } catch (error) {
        // The vendor said no before the request left (a refused OAuth token): retrying changes nothing.
        if (error instanceof IdpError) throw error;
        if (failures >= retry.maxRetries)
          throw new IdpError(details, `${options.vendor} could not be reached (${req.endpoint})`, {
            cause: error,
          });
        const delay = backoffDelay(retry, failures++, this.random);
        options.log.warn(`${options.vendor} request failed, retrying`, {
          endpoint: req.endpoint,
          reason: (error as Error).message,
          delayMs: delay,
        });
        await clock.sleep(delay);
        continue;
      }
      observe?.({ method: req.method, endpoint: req.endpoint, status: res.status });
      const theirNow = vendorNow(res.headers) ?? clock.now();
      if (res.status !== 429) this.holdOffAfter(res, req, bucket, theirNow);
      if (res.status === 401 && !reauthorized && options.onUnauthorized?.()) {
        reauthorized = true;
        continue;
      }
      if (res.status === 429) {
        const wait = options.retryAfter(res.headers, theirNow) ?? retry.defaultRetryAfterMs;
        const now = clock.now();
        if (wait > retry.retryAfterMaxMs)
          throw new IdpRetryAfterTooLongError(res.details, new Date(now + wait));
        if (rateLimited >= retry.max429Retries)
          throw new IdpError(res.details, `${options.vendor} kept rate-limiting ${req.endpoint}`);
        rateLimited++;
        this.pause(bucket, now + wait);
        options.log.warn(`${options.vendor} rate limited, waiting as it asks`, {
          endpoint: req.endpoint,
          waitMs: wait,
        });
        continue;
      }
      if (res.status >= 500) {
        if (failures >= retry.maxRetries)
          throw new IdpError(res.details, `${options.vendor} answered ${res.status} (${req.endpoint})`);
        // A 503 with Retry-After (Graph's "come back in n seconds") is waited as asked, not guessed at.
        const asked = parseRetryAfter(res.headers["retry-after"], theirNow);
        if (asked !== null && asked > retry.retryAfterMaxMs)
          throw new IdpRetryAfterTooLongError(res.details, new Date(clock.now() + asked));
        const delay = asked ?? backoffDelay(retry, failures, this.random);
        failures++;
        if (asked !== null)
          options.log.warn(`${options.vendor} answered ${res.status}, waiting as it asks`, {
            endpoint: req.endpoint,
            waitMs: asked,
          });
        await clock.sleep(delay);
        continue;
      }
      return res;
    }
  }

  private pause(bucket: string, until: number): void {
    this.pausedUntil.set(bucket, Math.max(this.pausedUntil.get(bucket) ?? 0, until));
  }

  /** An answer that says the vendor's bucket is empty pauses that bucket's next request until it refills. */
  private holdOffAfter(res: IdpResponse, req: IdpRequest, bucket: string, theirNow: number): void {
    const hold = this.options.holdOff?.(res.headers, theirNow) ?? 0;
    if (hold <= 0 || hold > this.retry.retryAfterMaxMs) return; // longer: the 429 will say so
    const until = this.clock.now() + hold;
    if (until > (this.pausedUntil.get(bucket) ?? 0))
      this.options.log.info(`${this.options.vendor}'s rate limit is spent; holding off until it refills`, {
        endpoint: req.endpoint,
        waitMs: hold,
      });
    this.pause(bucket, until);
  }

  private urlOf(req: IdpRequest, details: IdpErrorDetails): URL {
    if (!/^https?:\/\//i.test(req.path)) {
      const url = new URL(`${this.base}${req.path}`);
      for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
      return url;
    }
    const url = new URL(req.path);
    if (url.origin !== new URL(this.base).origin)
      throw new IdpError(
        details,
        `${this.options.vendor} pointed the next page at ${url.origin}, not ${new URL(this.base).origin}; gongops sends its token nowhere else`,
      );
    return url;
  }

  private async once(
    req: IdpRequest,
    url: URL,
    details: IdpErrorDetails,
    observe: IdpObserver | null,
  ): Promise<IdpResponse> {
    const headers: Record<string, string> = {
      ...req.headers,
      ...(await this.options.authorize({ method: req.method, url, observe })),
      accept: "application/json",
      "user-agent": "gongops",
    };
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers["content-type"] = "application/json";
    }
    const res = await request(url, { method: req.method, headers, body, dispatcher: this.dispatcher });
    const text = await res.body.text();
    let parsed: unknown;
    if (text.trim() !== "") {
      try {
        parsed = JSON.parse(text);
      } catch {
        if (res.statusCode >= 200 && res.statusCode < 300) throw new Error("malformed JSON body");
      }
    }
    const err = res.statusCode >= 400 ? (this.options.errorOf?.(parsed) ?? {}) : {};
    return {
      status: res.statusCode,
      headers: res.headers,
      body: parsed,
      details: { ...details, status: res.statusCode, vendorCode: err.code, summary: err.summary },
    };
  }

  async close(): Promise<void> {
    await this.limiter.stop({ dropWaitingJobs: true }).catch(() => {});
    await this.ownDispatcher?.close();
  }
}

/** The vendor's "now": its answer's Date header (RFC 9110 §6.6.1), in ms; null when absent or unreadable. */
export function vendorNow(headers: Record<string, string | string[] | undefined>): number | null {
  const raw = headers.date;
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/** The rel="next" URL of an RFC 8288 Link header (Okta's pagination); null on the last page. */
export function nextLink(headers: Record<string, string | string[] | undefined>): string | null {
  const raw = headers.link;
  const values = Array.isArray(raw) ? raw : raw ? [raw] : [];
  for (const value of values)
    for (const part of value.split(/,(?=\s*<)/)) {
      const m = /^\s*<([^>]+)>\s*;(.*)$/.exec(part);
      if (m && /(^|;)\s*rel="?next"?\s*(;|$)/i.test(m[2]!)) return m[1]!;
    }
  return null;
}

/**
 * One path segment, escaped only where RFC 3986 requires (pchar keeps `@`, `+`, `:` and the other
 * sub-delims): `/api/v1/users/fay@acme.com`, not `fay%40acme.com`. Okta compares a DPoP proof's `htu`
 * with the decoded path, so a needless escape would make every lookup by email fail its proof.
 */
export function pathSegment(value: string): string {
  return encodeURIComponent(value).replace(/%(40|2B|3A|21|24|26|27|28|29|2A|2C|3B|3D)/gi, (e) =>
    decodeURIComponent(e),
  );
}
