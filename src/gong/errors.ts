import { type ErrorCode, GongopsError } from "../errors.js";

/**
 * The Gong adapter's error family. Every error carries what an operator needs to ask Gong support about
 * it (status, Gong's requestId and errors[]) and where it happened (method and path, never the query
 * string or headers, so neither credentials nor cursors end up in messages).
 */
export interface GongErrorDetails {
  method: string;
  path: string;
  status?: number;
  requestId?: string;
  errors?: string[];
  /** What the operator can do about it (e.g. how to renew an expired OAuth token). */
  hint?: string;
}

export class GongError extends GongopsError {
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly errors: string[];

  constructor(code: ErrorCode, message: string, details: GongErrorDetails, options?: { cause?: unknown }) {
    const where = `${details.method} ${details.path}`;
    const status = details.status === undefined ? "" : ` (HTTP ${details.status})`;
    const said = details.errors?.length ? `: Gong says "${details.errors.join("; ")}"` : "";
    const req = details.requestId ? ` [requestId ${details.requestId}]` : "";
    const hint = details.hint ? `. ${details.hint}` : "";
    super(code, `${message} for ${where}${status}${said}${req}${hint}`, options);
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.requestId = details.requestId;
    this.errors = details.errors ?? [];
  }
}

/** 401/403: the credentials are wrong, revoked, or lack a scope. Never retried. */
export class GongAuthError extends GongError {
  /**
   * @param scope the OAuth scope the endpoint needs, when one is documented: the message names it, since
   * keys that work everywhere else but lack it answer 401 or 403 here only.
   */
  constructor(
    details: GongErrorDetails,
    readonly scope?: string,
  ) {
    const base =
      details.status === 403
        ? "Gong refused access (missing scope or permission)"
        : "Gong rejected the credentials";
    super(
      "GONG_AUTH",
      scope ? `${base}; this needs the Gong API scope ${scope}, which the key or token may lack,` : base,
      details,
    );
  }
}

/** 400 and other 4xx that retrying cannot fix. */
export class GongRequestError extends GongError {
  constructor(details: GongErrorDetails) {
    super("GONG_BAD_REQUEST", "Gong rejected the request", details);
  }
}

/** A 404 that is not Gong's "No ... found" empty result: the thing asked for does not exist. */
export class GongNotFoundError extends GongError {
  constructor(details: GongErrorDetails) {
    super("GONG_NOT_FOUND", "Gong found nothing", details);
  }
}

/** A cursor Gong refused (expired or invalid); the client restarts the listing, callers rarely see it. */
export class GongCursorRejectedError extends GongError {
  constructor(details: GongErrorDetails) {
    super("GONG_CURSOR_REJECTED", "Gong rejected the pagination cursor", details);
  }
}

/** 429s kept coming after every retry allowed. */
export class GongRateLimitError extends GongError {
  constructor(details: GongErrorDetails) {
    super("GONG_RATE_LIMITED", "Gong kept answering 429 (rate limited) after every retry", details);
  }
}

/**
 * Gong asked us to wait longer than we are willing to sleep (its daily quota is spent, usually). The
 * caller decides: pause a durable job until `retryAt`, or tell the user when to come back.
 */
export class GongRetryAfterTooLongError extends GongError {
  constructor(
    details: GongErrorDetails,
    readonly retryAt: Date,
  ) {
    super("GONG_RETRY_AFTER_TOO_LONG", `Gong asked to wait until ${retryAt.toISOString()}`, details);
  }
}

/** Our own daily budget (GONG_DAILY_QUOTA) is spent: no request was sent. */
export class GongQuotaExhaustedError extends GongError {
  constructor(
    details: GongErrorDetails,
    readonly used: number,
    readonly quota: number,
    readonly resetAt: Date,
  ) {
    super(
      "GONG_QUOTA_EXHAUSTED",
      `the daily Gong request budget is spent (${used} of ${quota}); it resets at ${resetAt.toISOString()}, not sent`,
      details,
    );
  }
}

export class GongServerError extends GongError {
  constructor(details: GongErrorDetails) {
    super("GONG_SERVER", "Gong kept failing (5xx) after every retry", details);
  }
}

export class GongNetworkError extends GongError {
  constructor(details: GongErrorDetails, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super("GONG_NETWORK", `could not reach Gong (${reason}) after every retry`, details, { cause });
  }
}

/** The response was not JSON, or not the shape the contract promises. */
export class GongResponseError extends GongError {
  constructor(details: GongErrorDetails, problem: string) {
    super("GONG_INVALID_RESPONSE", `Gong sent an invalid response (${problem})`, details);
  }
}

/** SCIM speaks its own error format: `scimType` and `detail` (RFC 7644 §3.12). */
export class ScimError extends GongError {
  readonly scimType: string | undefined;
  readonly detail: string | undefined;

  constructor(
    details: GongErrorDetails & { scimType?: string; detail?: string },
    message = "Gong SCIM refused the request",
  ) {
    const extra = [details.scimType && `scimType ${details.scimType}`, details.detail]
      .filter(Boolean)
      .join(": ");
    super("SCIM_ERROR", extra ? `${message} (${extra})` : message, details);
    this.scimType = details.scimType;
    this.detail = details.detail;
  }
}
