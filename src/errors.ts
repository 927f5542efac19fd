/**
 * One family of coded errors for the whole product (after bolt-js' errors.ts): every face can turn any
 * failure into a short, plain message by its `code`, and nothing below the faces formats for a human
 * audience beyond `message`. Messages never carry secrets: the Gong adapter builds them from method,
 * path and Gong's own `errors[]` only.
 */
export type ErrorCode =
  | "CONFIG_INVALID"
  | "USAGE"
  | "NOT_FOUND"
  | "CONFLICT"
  | "REFUSED"
  | "LOCK_HELD"
  | "DB_NEWER_VERSION"
  | "DB_ERROR"
  | "GONG_HTTP"
  | "GONG_AUTH"
  | "GONG_BAD_REQUEST"
  | "GONG_NOT_FOUND"
  | "GONG_RATE_LIMITED"
  | "GONG_RETRY_AFTER_TOO_LONG"
  | "GONG_QUOTA_EXHAUSTED"
  | "GONG_SERVER"
  | "GONG_NETWORK"
  | "GONG_INVALID_RESPONSE"
  | "GONG_CURSOR_REJECTED"
  | "SCIM_ERROR"
  | "IDP_ERROR"
  | "SLACK_UNAVAILABLE"
  | "PAUSED"
  | "INTERRUPTED"
  | "INTERNAL";

export class GongopsError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Bad command-line or slash-command input: the face shows the message and the usage. */
export class UsageError extends GongopsError {
  constructor(message: string) {
    super("USAGE", message);
  }
}

/**
 * Well-formed, but refused as things stand (already in an open request, not deactivated by gongops, a
 * rule that would exempt too many): the face shows the reason alone, never the usage, and the CLI exits 1.
 */
export class RefusedError extends GongopsError {
  constructor(message: string) {
    super("REFUSED", message);
  }
}

export class NotFoundError extends GongopsError {
  constructor(message: string) {
    super("NOT_FOUND", message);
  }
}

/** Another process or task holds the lock this work needs (a sync or an audit already running). */
export class LockHeldError extends GongopsError {
  constructor(
    readonly lockName: string,
    readonly holder: string,
    readonly since: Date,
  ) {
    super("LOCK_HELD", `the ${lockName} is already running (started ${since.toISOString()} by ${holder})`);
  }
}

/** The user (Ctrl-C) or the process manager (SIGTERM) asked to stop. */
export class InterruptedError extends GongopsError {
  constructor(what = "stopped on request (Ctrl-C or SIGTERM)") {
    super("INTERRUPTED", what);
  }
}

/** Wraps anything thrown into a GongopsError so faces can switch on `code`. */
export function asCodedError(error: unknown): GongopsError {
  if (error instanceof GongopsError) return error;
  if (error instanceof Error) return new GongopsError("INTERNAL", error.message, { cause: error });
  return new GongopsError("INTERNAL", String(error));
}
