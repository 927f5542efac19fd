import { isSlackUserId } from "../slackIds.js";
import type { SubjectRow } from "../store/approvals.repo.js";
import type { ApprovalsCore } from "./core.js";
import { DAY_MS } from "./types.js";

/**
 * A kept person is left alone: whoever chose Keep (their approver, an admin, or the seat holder saying
 * they still need it), they are not filed again, nor flagged by an audit, for GONGOPS_KEEP_COOLDOWN_DAYS.
 * The words every face shows for it: "kept until <date>, by <who>: <reason>".
 */

export function cooldownDays(core: ApprovalsCore): number {
  return core.settings.keepCooldownDays ?? 90;
}

/** When a Keep's cool-down ends. */
export function keptUntil(core: ApprovalsCore, s: SubjectRow): Date {
  return new Date(Date.parse(s.decidedAt ?? s.updatedAt) + cooldownDays(core) * DAY_MS);
}

/** Who kept them, in words: the seat holder, their approver by name, or whoever decided. */
export function keptBy(s: SubjectRow): string {
  if (s.holderAnswer === "kept") return `${s.name} (the seat holder)`;
  const by = s.decidedBy;
  if (!by) return "their approver";
  if (by === s.approverSlackId && s.approverName) return s.approverName;
  return isSlackUserId(by) ? `<@${by}>` : by;
}

/** "kept until 2027-03-01, by Fay Ng (the seat holder): back from leave next week" */
export function keptWords(core: ApprovalsCore, s: SubjectRow): string {
  const why = s.stateReason?.trim();
  return `kept until ${keptUntil(core, s).toISOString().slice(0, 10)}, by ${keptBy(s)}: ${why || "no reason given"}`;
}

/** Everyone in the keep cool-down at `now`, by Gong id, with the words (their newest Keep). */
export function keptNow(core: ApprovalsCore, now: Date): Map<string, string> {
  const out = new Map<string, string>();
  const days = cooldownDays(core);
  if (days <= 0) return out;
  const since = new Date(now.getTime() - days * DAY_MS).toISOString();
  for (const s of core.repo.keptAllSince(since))
    if (!out.has(s.userId)) out.set(s.userId, keptWords(core, s));
  return out;
}
