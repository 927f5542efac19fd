import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * What every request to /slack/events must be before Bolt sees it (after bolt-js'
 * receivers/verify-request.ts, a pure function with the clock passed in):
 * - signed with the signing secret (v0 HMAC-SHA256 of "v0:<timestamp>:<body>");
 * - timestamped within five minutes of now, in either direction (Bolt checks only the past, so a
 *   captured request replayed with a timestamp in the future was taken);
 * - a body that parses to an object (a signed `payload=null` or JSON `null` made Bolt's receiver throw
 *   outside any handler, and the process died).
 * A request that fails costs one 4xx, never the process.
 */
export const MAX_SKEW_S = 300;

/** A request that passes, with its body parsed (a form's `payload` is the JSON inside it). */
export type GuardResult =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; status: 400 | 401; reason: string };

export interface SlackRequestParts {
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  signingSecret: string;
  nowMs: number;
}

function header(headers: SlackRequestParts["headers"], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function checkSlackRequest(r: SlackRequestParts): GuardResult {
  const body = r.rawBody.toString("utf8");
  const contentType = (header(r.headers, "content-type") ?? "").split(";")[0]!.trim();
  // A form is parsed once, for the SSL check and for its fields.
  const form = contentType === "application/x-www-form-urlencoded" ? new URLSearchParams(body) : null;
  // Slack's SSL check carries no signature; nothing else in it is taken (it is answered with a bare 200).
  if (form?.get("ssl_check") === "1") return { ok: true, body: { ssl_check: "1" } };
  const ts = header(r.headers, "x-slack-request-timestamp");
  const signature = header(r.headers, "x-slack-signature");
  if (!ts || !/^\d{1,12}$/.test(ts) || !signature) {
    return { ok: false, status: 401, reason: "missing or malformed signature headers" };
  }
  if (Math.abs(r.nowMs / 1000 - Number(ts)) > MAX_SKEW_S) {
    return { ok: false, status: 401, reason: "timestamp more than five minutes from now" };
  }
  const expected = Buffer.from(
    `v0=${createHmac("sha256", r.signingSecret).update(`v0:${ts}:${body}`).digest("hex")}`,
  );
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, status: 401, reason: "bad signature" };
  }
  let parsed: unknown;
  try {
    if (form) {
      const payload = form.get("payload");
      parsed = payload === null ? Object.fromEntries(form) : JSON.parse(payload);
    } else parsed = JSON.parse(body);
  } catch {
    return { ok: false, status: 400, reason: "the body does not parse" };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return { ok: false, status: 400, reason: "the body is not an object" };
  }
  return { ok: true, body: parsed as Record<string, unknown> };
}
