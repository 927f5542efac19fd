import vm from "node:vm";
import { UsageError } from "../errors.js";

/**
 * Who the audit never flags: users by id, email, email domain, or title pattern. Rules come from the
 * GONGOPS_AUDIT_EXEMPT setting and from the exemptions table (`gongops exempt add|remove|list`).
 *
 * Written forms: `7782342274025937895` (id), `jane@acme.com` (email), `@contractors.acme.com` or
 * `domain:contractors.acme.com` (domain), `title:VP*` (glob, case-insensitive) or `title:/^vp\b/i`
 * (regular expression). `id:`, `email:` and `domain:` prefixes are accepted too.
 */
export type ExemptKind = "id" | "email" | "domain" | "title";

export interface ExemptRule {
  kind: ExemptKind;
  value: string;
  reason?: string | null;
  source: "setting" | "list";
}

export function parseExemptRule(text: string): { kind: ExemptKind; value: string } {
  const raw = text.trim();
  const prefixed = /^(id|email|domain|title):(.*)$/is.exec(raw);
  let kind: ExemptKind;
  let value: string;
  if (prefixed) {
    kind = prefixed[1]!.toLowerCase() as ExemptKind;
    value = prefixed[2]!.trim();
  } else if (/^\d{1,20}$/.test(raw)) {
    kind = "id";
    value = raw;
  } else if (raw.startsWith("@")) {
    kind = "domain";
    value = raw.slice(1);
  } else if (raw.includes("@")) {
    kind = "email";
    value = raw;
  } else {
    throw new UsageError(
      `cannot tell what "${raw}" exempts: use a Gong id, an email, @domain, or title:<pattern>`,
    );
  }
  if (!value) throw new UsageError(`"${raw}" has nothing after the ${kind}: prefix`);
  if (kind === "id" && !/^\d{1,20}$/.test(value))
    throw new UsageError(`"${value}" is not a Gong id (up to 20 digits)`);
  // Strict enough that a pasted mention (<@U123|name>) or a stray quote is not taken for an address.
  if (kind === "email" && !/^[^@\s<>|"',;()]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(value))
    throw new UsageError(`"${value}" is not an email address`);
  if (kind === "domain") value = value.replace(/^@/, "");
  if (kind === "domain" && !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(value))
    throw new UsageError(`"${value}" is not an email domain`);
  if (kind === "email" || kind === "domain") value = value.toLowerCase();
  if (kind === "title") checkPatternSpeed(value); // throws on a bad or slow pattern
  return { kind, value };
}

/**
 * Longest a title pattern may take on one title before the rule is refused as too slow. Wall-clock
 * time: generous, so that a busy machine never refuses an ordinary pattern (50 ms did, with six
 * CPU-bound processes beside the tests); a catastrophic one takes minutes and is still caught.
 */
const PATTERN_TIMEOUT_MS = 1_000;
/** Titles are short; a longer one is cut before matching so no input can make a pattern slow. */
const MAX_TITLE = 300;
const TEST = new vm.Script("re.test(title)");

function tooSlow(pattern: string): UsageError {
  return new UsageError(
    `the title pattern "${pattern}" takes too long to match (it backtracks catastrophically); simplify it`,
  );
}

/**
 * A glob (`*`, `?`, case-insensitive, whole title) or a `/regex/flags` literal.
 *
 * `g` and `y` are dropped: they make `RegExp.test` stateful (it resumes from `lastIndex`), so every
 * other matching user would slip through and be flagged. A regex runs in a vm context with a time limit
 * (a pattern like `/(a+)+$/` can take minutes on one title) and each distinct title is matched once.
 */
export function titleMatcher(pattern: string): (title: string) => boolean {
  const literal = /^\/(.+)\/([a-z]*)$/s.exec(pattern);
  let re: RegExp;
  try {
    if (literal) {
      const flags = [...new Set(literal[2]!.replace(/[gy]/g, "") + "i")].join("");
      re = new RegExp(literal[1]!, flags);
    } else {
      const body = pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".");
      re = new RegExp(`^${body}$`, "i");
    }
  } catch (error) {
    throw new UsageError(`"${pattern}" is not a valid title pattern: ${(error as Error).message}`);
  }
  if (!literal) return (title) => re.test(title.slice(0, MAX_TITLE));
  const sandbox = vm.createContext({ re, title: "" });
  const seen = new Map<string, boolean>();
  return (raw) => {
    const title = raw.slice(0, MAX_TITLE);
    let hit = seen.get(title);
    if (hit === undefined) {
      sandbox.title = title;
      try {
        hit = TEST.runInContext(sandbox, { timeout: PATTERN_TIMEOUT_MS }) as boolean;
      } catch {
        throw tooSlow(pattern);
      }
      seen.set(title, hit);
    }
    return hit;
  };
}

/** Refuses, when it is added, a pattern that is slow on the inputs that make backtracking explode. */
export function checkPatternSpeed(pattern: string): void {
  const test = titleMatcher(pattern);
  for (const probe of ["a", "a1", "a_", " ", "-"]) test(`${probe.repeat(Math.floor(40 / probe.length))}!`);
}

export interface ExemptionTarget {
  id: string;
  email: string | null;
  aliases: readonly string[];
  title: string | null;
}

export function describeRule(rule: ExemptRule): string {
  const what = rule.kind === "domain" ? `domain @${rule.value}` : `${rule.kind} ${rule.value}`;
  const where = rule.source === "setting" ? "GONGOPS_AUDIT_EXEMPT" : "the exempt list";
  return `exempt by ${what} (${where})${rule.reason ? `: ${rule.reason}` : ""}`;
}

/** Compiles rules once; returns the first rule that matches a user, or null. */
export function exemptionMatcher(rules: readonly ExemptRule[]): (u: ExemptionTarget) => ExemptRule | null {
  const compiled = rules.map((rule) => {
    if (rule.kind === "title") {
      const test = titleMatcher(rule.value);
      return { rule, test: (u: ExemptionTarget) => u.title !== null && test(u.title) };
    }
    if (rule.kind === "id") return { rule, test: (u: ExemptionTarget) => u.id === rule.value };
    const emails = (u: ExemptionTarget) =>
      [u.email, ...u.aliases].filter((e): e is string => Boolean(e)).map((e) => e.toLowerCase());
    if (rule.kind === "email") return { rule, test: (u: ExemptionTarget) => emails(u).includes(rule.value) };
    return { rule, test: (u: ExemptionTarget) => emails(u).some((e) => e.endsWith(`@${rule.value}`)) };
  });
  return (u) => compiled.find((c) => c.test(u))?.rule ?? null;
}
