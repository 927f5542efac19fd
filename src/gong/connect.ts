import { createHash } from "node:crypto";
import type { Dispatcher } from "undici";
import type { Clock } from "../clock.js";
import type { GongAuth } from "../config.js";
import type { Logger } from "../log.js";
import type { Secret } from "../secret.js";
import { GongClient } from "./client.js";
import { createGongDispatcher, GongHttp, type GongObserver } from "./http.js";
import {
  type DailyBudgetStore,
  GongLimiter,
  MemoryBudgetStore,
  MemoryRateWindow,
  type RateWindowStore,
} from "./limiter.js";
import { defaultRetryPolicy, type RetryPolicy } from "./retry.js";
import { GongScimClient } from "./scim.js";

/**
 * Builds everything that talks to one Gong company: one dispatcher (keep-alive pool), one limiter, and
 * the REST and SCIM clients on top of both. The composition root calls this once per process; sharing
 * the returned limiter is what keeps every feature together under Gong's limits.
 */
export interface GongConnectionOptions {
  baseUrl: string;
  auth: GongAuth;
  scimBaseUrl?: string;
  scimToken?: Secret | null;
  maxConcurrent: number;
  maxRps: number;
  dailyQuota: number;
  windowDays: number;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  budget?: DailyBudgetStore;
  /** The per-second window; pass a shared (SQLite) one so that every process on a database counts. */
  rateWindow?: RateWindowStore;
  /** Safety margin on spacing, a share of the window (default 5%); see limiter.ts. */
  rpsMargin?: number;
  dispatcher?: Dispatcher;
  /** The one clock (budget day, Retry-After instants, back-off sleeps). */
  clock: Clock;
  /** Back-off jitter; tests pin it. */
  random?: () => number;
  log: Logger;
  /** Told about every answer and retry (metrics). */
  observer?: GongObserver;
}

export interface GongConnection {
  client: GongClient;
  /** null when no SCIM token is configured. */
  scim: GongScimClient | null;
  limiter: GongLimiter;
  close(): Promise<void>;
}

export function authorizationHeader(auth: GongAuth): string {
  if (auth.kind === "bearer") return `Bearer ${auth.token.reveal()}`;
  return `Basic ${Buffer.from(`${auth.accessKey.reveal()}:${auth.accessKeySecret.reveal()}`).toString("base64")}`;
}

/** A stable, non-reversible name for the company behind these credentials (limiter and budget scope). */
export function companyScope(baseUrl: string, auth: GongAuth): string {
  const who = auth.kind === "basic" ? auth.accessKey.reveal() : "oauth";
  return createHash("sha256").update(`${baseUrl}\n${who}`).digest("hex").slice(0, 16);
}

/**
 * What to do when Gong answers 401. OAuth access tokens are short-lived and gongops holds no refresh
 * token (the OAuth app's client secret would have to live here too), so an expired one is said plainly.
 */
export function authHint(auth: GongAuth): string {
  return auth.kind === "bearer"
    ? "GONG_OAUTH_TOKEN may have expired (Gong's OAuth access tokens are short-lived): get a new access " +
        "token with your OAuth app's refresh token, set GONG_OAUTH_TOKEN and restart gongops, or use an API " +
        "key pair (GONG_ACCESS_KEY, GONG_ACCESS_KEY_SECRET), which does not expire"
    : "check GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET (Gong > Company settings > API)";
}

export function connectGong(options: GongConnectionOptions): GongConnection {
  const { clock, random } = options;
  const ownDispatcher = options.dispatcher
    ? null
    : createGongDispatcher({ maxConcurrent: options.maxConcurrent, timeoutMs: options.timeoutMs ?? 30_000 });
  const dispatcher = options.dispatcher ?? ownDispatcher!;
  const limiter = new GongLimiter({
    maxConcurrent: options.maxConcurrent,
    maxPerSecond: options.maxRps,
    dailyQuota: options.dailyQuota,
    budget: options.budget ?? new MemoryBudgetStore(),
    window: options.rateWindow ?? new MemoryRateWindow(),
    margin: options.rpsMargin,
    scope: companyScope(options.baseUrl, options.auth),
    clock,
  });
  const retry = { ...defaultRetryPolicy, ...options.retry };
  const log = options.log.child("gong");
  const rest = new GongHttp({
    baseUrl: options.baseUrl,
    authorization: () => authorizationHeader(options.auth),
    authHint: authHint(options.auth),
    observer: options.observer,
    dispatcher,
    limiter,
    retry,
    clock,
    random,
    log,
  });
  const scimToken = options.scimToken;
  const scim =
    scimToken && options.scimBaseUrl
      ? new GongScimClient(
          new GongHttp({
            baseUrl: options.scimBaseUrl,
            authorization: () => `Bearer ${scimToken.reveal()}`,
            dispatcher,
            limiter,
            retry,
            clock,
            random,
            log: log.child("scim"),
            contentType: "application/scim+json",
            observer: options.observer,
            authHint: "check GONG_SCIM_TOKEN (regenerate it in Gong's provisioning settings if it was lost)",
          }),
        )
      : null;
  return {
    client: new GongClient(rest, { windowDays: options.windowDays, log }),
    scim,
    limiter,
    close: async () => {
      limiter.stop();
      await ownDispatcher?.close();
    },
  };
}
