import { asCodedError } from "../errors.js";
import { GongAuthError, GongQuotaExhaustedError, GongRetryAfterTooLongError } from "../gong/errors.js";
import { utcMinute } from "../time.js";

/**
 * Failures in words a Slack user can act on. Never a stack trace; the log has the details (and the log
 * is redacted). Coded errors from our own layers are already plain and safe to show.
 */
export function explainError(error: unknown): string {
  const e = asCodedError(error);
  const at = (d: Date) => `${utcMinute(d)} UTC`;
  switch (e.code) {
    case "GONG_QUOTA_EXHAUSTED":
      return error instanceof GongQuotaExhaustedError
        ? `Gong's daily request budget for gongops is spent; it resets at ${at(error.resetAt)}.`
        : e.message;
    case "GONG_RETRY_AFTER_TOO_LONG":
      return error instanceof GongRetryAfterTooLongError
        ? `Gong asked gongops to wait until ${at(error.retryAt)} (its rate limit). Try again then.`
        : e.message;
    case "GONG_RATE_LIMITED":
      return "Gong is rate-limiting gongops right now. Try again in a few minutes.";
    case "GONG_AUTH":
      // Keys that work everywhere else can lack one endpoint's scope: say which, so an admin can grant it.
      return error instanceof GongAuthError && error.scope
        ? `Gong refused gongops access to ${error.path}: the Gong API key or token lacks the scope ${error.scope}. A gongops admin should grant it (or audit with --activity hosted).`
        : "Gong refused gongops' credentials. A gongops admin should check the Gong API key.";
    case "GONG_SERVER":
    case "GONG_NETWORK":
      return "Gong isn't answering right now. Try again in a few minutes.";
    case "GONG_INVALID_RESPONSE":
      return "Gong sent an answer gongops could not read. The details are in gongops' log.";
    case "SCIM_ERROR":
      return "Gong's SCIM service refused the request. The details are in gongops' log.";
    case "USAGE":
    case "NOT_FOUND":
    case "REFUSED":
    case "LOCK_HELD":
    case "PAUSED":
    case "CONFIG_INVALID":
      return e.message;
    default:
      return "Something went wrong inside gongops. The details are in gongops' log.";
  }
}
