import { OPEN_STATES, type SubjectState } from "../store/schema.js";

/**
 * The life of one subject of a deactivation request. Every move is one conditional UPDATE from the state
 * named here (store/approvals.repo.ts), so two deciders, two processes or a Slack retry cannot both win.
 *
 *   notice ─→ pending (no answer in GONGOPS_SUBJECT_NOTICE_DAYS, or the holder cannot be asked)
 *           | kept (the holder still needs it) | approved (the holder released it: their consent)
 *           | cancelled (nobody could decide) | expired | notice (its approver assigned)
 *   pending ─→ approved | kept | expired | cancelled
 *   approved ─→ executing | awaiting_idp (manual) | done (dry run) | cancelled (came back) | failed (job died)
 *   executing ─→ done | failed | cancelled | awaiting_idp (unassigned in Okta or Entra ID: a sync confirms)
 *   awaiting_idp ─→ done | cancelled
 *   done ─→ reactivated
 *   failed ─→ reactivated (only one whose IdP change may have landed: its undo snapshot was stored)
 *           | approved (run again by an admin: every check before a change runs again)
 *
 * `notice` (GONGOPS_NOTIFY_SUBJECT, approvals/holder.ts) comes before `pending`: the seat holder is asked
 * first, and the approver only when the holder has not answered by the end of the notice.
 */
export type { SubjectState };

export const TRANSITIONS: Readonly<Record<SubjectState, readonly SubjectState[]>> = {
  notice: ["pending", "kept", "approved", "cancelled", "expired", "notice"],
  pending: ["approved", "kept", "expired", "cancelled", "pending"],
  approved: ["executing", "awaiting_idp", "done", "cancelled", "approved", "failed"],
  executing: ["done", "failed", "cancelled", "awaiting_idp"],
  awaiting_idp: ["done", "cancelled"],
  done: ["reactivated"],
  kept: [],
  expired: [],
  cancelled: [],
  failed: ["reactivated", "approved"],
  reactivated: [],
};

/** Subjects still in flight (store/schema.ts holds the list: its unique index is built from it). */
export { OPEN_STATES };

/**
 * Whether `from → to` is a move the state machine allows (pending → pending is an escalation; notice →
 * notice an assignment while the holder is asked).
 */
export function canTransition(from: SubjectState, to: SubjectState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isOpen(state: SubjectState): boolean {
  return (OPEN_STATES as readonly SubjectState[]).includes(state);
}

/** How a state reads in a message or a table. */
export const STATE_LABEL: Readonly<Record<SubjectState, string>> = {
  notice: "asking the seat holder first",
  pending: "waiting for a decision",
  approved: "approved, deactivation queued",
  kept: "kept",
  expired: "expired (no decision)",
  cancelled: "cancelled",
  executing: "being deactivated",
  awaiting_idp: "approved; waiting for the identity provider, confirmed by a Gong sync",
  done: "deactivated",
  failed: "failed",
  reactivated: "reactivated",
};

/** How a state reads for a request: a dry run's "done" would have deactivated, and never did. */
export function stateLabel(state: SubjectState, dryRun: boolean): string {
  if (!dryRun) return STATE_LABEL[state];
  if (state === "done") return "would be deactivated (dry run: nothing changed in Gong)";
  if (state === "approved") return "approved (dry run: nobody is deactivated)";
  if (state === "executing") return "being checked (dry run: nobody is deactivated)";
  return `${STATE_LABEL[state]} (dry run)`;
}
