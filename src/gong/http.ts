import { Agent, type Dispatcher, request } from "undici";
import type { Clock } from "../clock.js";
import { GongopsError } from "../errors.js";
import type { Logger } from "../log.js";
import {
  type GongErrorDetails,
  GongNetworkError,
  GongRateLimitError,
  GongResponseError,
  GongRetryAfterTooLongError,
  GongServerError,
} from "./errors.js";
import { parseJsonLossless } from "./json.js";
import type { GongLimiter } from "./limiter.js";
import { backoffDelay, parseRetryAfter, type RetryPolicy } from "./retry.js";

/**
 * The wire layer shared by the REST and SCIM clients: one keep-alive undici pool, the company limiter,
 * retries, and lossless JSON. It returns every response it does not retry (2xx and 4xx) to the caller,
 * which knows what a 404 means for its endpoint; it throws for what retrying could not fix.
 */

export function createGongDispatcher(options: { maxConcurrent: number; timeoutMs: number }): Agent {
  return new Agent({
    // A couple above the limiter's concurrency so a slow close never blocks a fresh request.
    connections: options.maxConcurrent + 2,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    connect: { timeout: 10_000 },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
}

/** Counts requests sent on behalf of one piece of work (a sync run, an audit), per endpoint. */
export class RequestMeter {
  total = 0;
  readonly byEndpoint = new Map<string, number>();
  add(endpoint: string): void {
    this.total++;
    this.byEndpoint.set(endpoint, (this.byEndpoint.get(endpoint) ?? 0) + 1);
  }
}

export interface HttpRequest {
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  /** Path under the base URL, without query string: "/v2/users". */
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  /** Label for metrics and logs, e.g. "GET /v2/users/{id}". Defaults to method and path. */
  endpoint?: string;
  signal?: AbortSignal;
  meter?: RequestMeter;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON (lossless), or undefined for an empty or non-JSON error body. */
  body: unknown;
  details: GongErrorDetails;
}

/** Told about every answer and every retry, for metrics (metrics.ts). */
export interface GongObserver {
  response(endpoint: string, status: number | "network-error"): void;
  retry(endpoint: string, reason: "429" | "5xx" | "network"): void;
}

export interface GongHttpOptions {
  baseUrl: string;
  /** Builds the Authorization header value; called per request so the secret is never stored here. */
  authorization: () => string;
  dispatcher: Dispatcher;
  limiter: GongLimiter;
  retry: RetryPolicy;
  clock: Clock;
  /** Jitter for back-off (full jitter); tests pin it. */
  random?: () => number;
  log: Logger;
  contentType?: string;
  userAgent?: string;
  /** Added to a 401's error: what to do about rejected credentials. */
  authHint?: string;
  observer?: GongObserver;
}

class MalformedBodyError extends Error {}

export class GongHttp {
  private readonly base: URL;

  constructor(private readonly options: GongHttpOptions) {
    this.base = new URL(options.baseUrl.endsWith("/") ? options.baseUrl : `${options.baseUrl}/`);
  }
  async send(req: HttpRequest): Promise<HttpResponse> {
    const { limiter, retry, clock, log } = this.options;
    const random = this.options.random ?? Math.random;
    const url = new URL(req.path.replace(/^\//, ""), this.base);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const details: GongErrorDetails = { method: req.method, path: url.pathname };
    const endpoint = req.endpoint ?? `${req.method} ${req.path}`;

    let failures = 0;
    let rateLimited = 0;
    for (;;) {
      let response: HttpResponse;
      try {
        response = await limiter.run(
          details,
          async () => {
            req.meter?.add(endpoint);
            return this.once(url, req, details);
          },
          req.signal,
        );
      } catch (error) {
        if (req.signal?.aborted) throw req.signal.reason;
        // Our own errors (a spent budget) are final; anything else here is the network or a cut body.
        if (error instanceof GongopsError) throw error;
        this.options.observer?.response(endpoint, "network-error");
        if (failures >= retry.maxRetries) {
          if (error instanceof MalformedBodyError) throw new GongResponseError(details, error.message);
          throw new GongNetworkError(details, error);
        }
        const delay = backoffDelay(retry, failures++, random);
        this.options.observer?.retry(endpoint, "network");
        log.warn("gong request failed, retrying", {
          endpoint,
          reason: (error as Error).message,
          delayMs: delay,
        });
        await clock.sleep(delay, req.signal);
        continue;
      }

      const { status } = response;
      this.options.observer?.response(endpoint, status);
      if (status === 429) {
        const now = clock.now();
        const wait = parseRetryAfter(response.headers["retry-after"], now) ?? retry.defaultRetryAfterMs;
        if (wait > retry.retryAfterMaxMs)
          throw new GongRetryAfterTooLongError(response.details, new Date(now + wait));
        if (rateLimited >= retry.max429Retries) throw new GongRateLimitError(response.details);
        rateLimited++;
        this.options.observer?.retry(endpoint, "429");
        limiter.pauseUntil(now + wait);
        limiter.noteRateLimited();
        log.warn("gong rate limited, waiting as Retry-After asks", { endpoint, waitMs: wait });
        continue;
      }
      if (status >= 500) {
        if (failures >= retry.maxRetries) throw new GongServerError(response.details);
        const delay = backoffDelay(retry, failures++, random);
        this.options.observer?.retry(endpoint, "5xx");
        log.warn("gong server error, retrying", { endpoint, status, delayMs: delay });
        await clock.sleep(delay, req.signal);
        continue;
      }
      return response;
    }
  }

  /** One attempt: send, read the whole body, parse it. Throws on network trouble or a malformed 2xx body. */
  private async once(url: URL, req: HttpRequest, details: GongErrorDetails): Promise<HttpResponse> {
    const headers: Record<string, string> = {
      authorization: this.options.authorization(),
      accept: this.options.contentType ?? "application/json",
      "user-agent": this.options.userAgent ?? "gongops",
    };
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers["content-type"] = this.options.contentType ?? "application/json";
    }
    const res = await request(url, {
      method: req.method,
      headers,
      body,
      dispatcher: this.options.dispatcher,
      signal: req.signal,
    });
    const text = await res.body.text();
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    let parsed: unknown;
    if (text.trim() !== "") {
      try {
        parsed = parseJsonLossless(text);
      } catch (error) {
        // A 2xx that is not JSON is usually a cut connection: worth a retry. An error body that is not
        // JSON (a proxy's HTML page) is just less informative.
        if (ok) throw new MalformedBodyError(`malformed JSON: ${(error as Error).message}`);
      }
    }
    const requestId =
      parsed &&
      typeof parsed === "object" &&
      typeof (parsed as { requestId?: unknown }).requestId === "string"
        ? (parsed as { requestId: string }).requestId
        : undefined;
    const errors =
      parsed && typeof parsed === "object" && Array.isArray((parsed as { errors?: unknown }).errors)
        ? (parsed as { errors: unknown[] }).errors.map(String)
        : undefined;
    return {
      status: res.statusCode,
      headers: res.headers,
      body: parsed,
      details: {
        ...details,
        status: res.statusCode,
        requestId,
        errors,
        ...(res.statusCode === 401 && this.options.authHint ? { hint: this.options.authHint } : {}),
      },
    };
  }
}
