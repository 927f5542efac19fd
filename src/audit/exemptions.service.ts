import { type Clock, nowDate } from "../clock.js";
import { RefusedError } from "../errors.js";
import type { DirectoryRepo } from "../store/directory.repo.js";
import type { ExemptionRow, ExemptionsRepo } from "../store/exemptions.repo.js";
import { type ExemptKind, exemptionMatcher, parseExemptRule } from "./exemptions.js";

/**
 * The exempt list as both faces use it: add (saying how many active users the rule matches, and asking
 * for `force` before a rule sets aside a large share of them: `title:*` would exempt everyone), remove,
 * and list with the rules of the GONGOPS_AUDIT_EXEMPT setting beside the table's.
 */
export interface ExemptionsDeps {
  exemptions: ExemptionsRepo;
  directory: DirectoryRepo;
  /** Rules from GONGOPS_AUDIT_EXEMPT. */
  fromSetting: readonly string[];
  /** The one clock (src/clock.ts). */
  clock: Clock;
}

/** A rule may set aside at most this share of active users without `force`. */
export const FORCE_SHARE = 0.1;
/** ... and at most this many, however small the org. */
const FORCE_MIN_USERS = 5;

export interface RuleMatches {
  /** Active users the rule matches in the current directory snapshot (null without one). */
  matches: number | null;
  active: number | null;
}

export interface ListedRule {
  kind: ExemptKind;
  value: string;
  reason: string | null;
  source: "GONGOPS_AUDIT_EXEMPT" | "list";
  createdAt: string | null;
  createdBy: string | null;
}

export class ExemptionsService {
  private readonly now: () => Date;

  constructor(private readonly deps: ExemptionsDeps) {
    this.now = () => nowDate(deps.clock);
  }

  /** How many active users a rule would set aside now. */
  matches(rule: { kind: ExemptKind; value: string }): RuleMatches {
    const state = this.deps.directory.state();
    if (!state) return { matches: null, active: null };
    const match = exemptionMatcher([{ ...rule, source: "list" }]);
    const active = this.deps.directory.people(state.gen).filter((p) => p.active === true);
    return { matches: active.filter((p) => match(p) !== null).length, active: active.length };
  }

  add(
    text: string,
    options: { reason?: string | null; by?: string | null; force?: boolean } = {},
  ): { added: boolean; rule: { kind: ExemptKind; value: string }; reason: string | null } & RuleMatches {
    const rule = parseExemptRule(text);
    const reason = options.reason?.trim() || null;
    const counted = this.matches(rule);
    const { matches, active } = counted;
    if (
      !options.force &&
      matches !== null &&
      active !== null &&
      matches > Math.max(FORCE_MIN_USERS, active * FORCE_SHARE)
    ) {
      throw new RefusedError(
        `${rule.kind}:${rule.value} would exempt ${matches} of the ${active} active users ` +
          `(${sharePercent(matches, active)}); nothing was added. If that is what you mean, add it again with --force`,
      );
    }
    const added = this.deps.exemptions.add({ ...rule, reason, createdBy: options.by ?? null }, this.now());
    return { added, rule, reason, ...counted };
  }

  remove(text: string): { removed: boolean; rule: { kind: ExemptKind; value: string } } {
    const rule = parseExemptRule(text);
    return { removed: this.deps.exemptions.remove(rule.kind, rule.value), rule };
  }

  list(): ListedRule[] {
    const setting = this.deps.fromSetting.map((t) => ({
      ...parseExemptRule(t),
      reason: null,
      source: "GONGOPS_AUDIT_EXEMPT" as const,
      createdAt: null,
      createdBy: null,
    }));
    const table = this.deps.exemptions.list().map((r: ExemptionRow) => ({
      kind: r.kind,
      value: r.value,
      reason: r.reason,
      source: "list" as const,
      createdAt: r.createdAt,
      createdBy: r.createdBy,
    }));
    return [...setting, ...table];
  }
}

/** "matches 3 of 412 active users" (or nothing without a directory snapshot). */
export function describeMatches(m: RuleMatches): string {
  if (m.matches === null || m.active === null) return "no directory snapshot yet to count matches in";
  return `matches ${m.matches} of ${m.active} active user${m.active === 1 ? "" : "s"} now`;
}

/**
 * A share as the rule reads it, beside a refusal of "more than 10%": one decimal, rounded up, so a share
 * above the line never prints on it (22 of 214 is 10.3%, 1,004 of 10,000 is 10.1%, never "10%"); a
 * whole number shows no decimal (20 of 200: 10%).
 */
export function sharePercent(part: number, whole: number): string {
  const p = Math.ceil(Number(((part / whole) * 1000).toPrecision(12))) / 10;
  return `${Number.isInteger(p) ? p : p.toFixed(1)}%`;
}
