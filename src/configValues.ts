import { hostname, userInfo } from "node:os";
import * as z from "zod";

/**
 * The shapes a setting's value may take (config.ts reads each variable with one of them). Each says, in
 * `describe`, what was expected: config.ts names a bad variable with it, never echoing the value.
 */

export const httpUrl = z
  .url({ protocol: /^https?$/ })
  .transform((u) => u.replace(/\/+$/, ""))
  .describe("an http(s) URL");

/**
 * True for an https URL, or an http one whose host is this machine (the simulator, a test double): a
 * bearer token or an API key never crosses a network in plain HTTP.
 */
export function httpsOrLoopback(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  if (protocol === "https:") return true;
  return (
    protocol === "http:" &&
    (hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname))
  );
}
export const secureUrl = httpUrl
  .refine(httpsOrLoopback)
  .describe("an https URL (plain http only on loopback: credentials never go over plain HTTP)");
/** `host:port` (`127.0.0.1:9464`, `0.0.0.0:9464`, `[::1]:9464`). */
export const listenAddress = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[\w.-]+):\d{1,5}$/)
  .transform((v) => ({
    host: v.slice(0, v.lastIndexOf(":")).replace(/^\[|\]$/g, ""),
    port: Number(v.slice(v.lastIndexOf(":") + 1)),
  }))
  .refine((a) => a.port <= 65535)
  .describe("host:port (127.0.0.1:9464, 0.0.0.0:9464, [::1]:9464)");
export const positiveInt = z.coerce.number().int().min(1).describe("a whole number of 1 or more");
export const positiveNumber = z.coerce.number().positive().describe("a number above 0");
export const nonNegativeInt = z.coerce.number().int().min(0).describe("a whole number of 0 or more");
export const percent = z.coerce.number().min(0).max(50).describe("a percentage from 0 to 50");
export const port = z.coerce.number().int().min(0).max(65535).describe("a TCP port (0 to 65535)");
export const httpsUrl = z
  .url({ protocol: /^https$/ })
  .transform((u) => u.replace(/\/+$/, ""))
  .describe("an https URL (MSAL signs in only over https)");
export const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes")
  .describe("true or false");
export const splitList = (v: string) =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
export const list = z.string().transform(splitList).describe("a comma-separated list");
export const text = z.string().min(1).describe("a non-empty value");
export const nonNegativeNumber = z.coerce.number().min(0).describe("a number of 0 or more");
export const operatorName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[^\s<>]+$/)
  .describe("who sits at this terminal, one word of at most 100 characters (jane, jane@acme.example)");

/** The terminal's operator when GONGOPS_OPERATOR is not set: the OS user at this host. */
export function osOperator(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (a container started with an arbitrary uid).
    user = process.env.USER ?? process.env.LOGNAME ?? `uid ${process.getuid?.() ?? "?"}`;
  }
  return `${user}@${hostname()}`;
}
export const slackUserId = z
  .string()
  .transform(splitList)
  .pipe(z.array(z.string().regex(/^[UW][A-Z0-9]{2,}$/)))
  .describe("a comma-separated list of Slack user ids (U…)");
export const activityRule = z.enum(["any", "hosted"]).describe("any or hosted");
export const slackChannel = z
  .string()
  .regex(/^[CGD][A-Z0-9]{2,}$/)
  .describe("a Slack channel id (C…)");
export const deactivateVia = z
  .enum(["scim", "okta", "entra", "manual"])
  .describe("scim, okta, entra or manual");
export const currency = z
  .string()
  .transform((v) => v.toUpperCase())
  .pipe(z.string().regex(/^[A-Z]{3}$/))
  .describe("a three-letter currency code (USD, EUR, GBP…)");
export const logLevel = z.enum(["debug", "info", "warn", "error"]).describe("debug, info, warn or error");
