import { OPEN_SUBJECT_STATES, type SubjectState } from "../store/schema.js";

/**
 * The life of one subject of a deactivation request. Every move is one conditional UPDATE from the state
 * named here (store/approvals.repo.ts), so two deciders, two processes or a Slack retry cannot both win.
 *
 *   pending ─→ approved | kept | expired | cancelled
 *   approved ─→ executing | awaiting_idp (manual) | done (dry run) | cancelled (came back)
 *   executing ─→ done | failed | cancelled | awaiting_idp (unassigned in Okta or Entra ID: a sync confirms)
 *   awaiting_idp ─→ done | cancelled
 *   done ─→ reactivated
 *   failed ─→ reactivated (only one whose IdP change may have landed: its undo snapshot was stored)
 */
export type { SubjectState };

export const TRANSITIONS: Readonly<Record<SubjectState, readonly SubjectState[]>> = {
  pending: ["approved", "kept", "expired", "cancelled", "pending"],
  approved: ["executing", "awaiting_idp", "done", "cancelled", "approved"],
  executing: ["done", "failed", "cancelled", "awaiting_idp"],
  awaiting_idp: ["done", "cancelled"],
  done: ["reactivated"],
  kept: [],
  expired: [],
  cancelled: [],
  failed: ["reactivated"],
  reactivated: [],
};

/** Subjects still in flight: a user in one of these cannot be put in another request (schema.ts's list). */
export const OPEN_STATES: readonly SubjectState[] = OPEN_SUBJECT_STATES;

/** Whether `from → to` is a move the state machine allows (pending → pending is an escalation). */
export function canTransition(from: SubjectState, to: SubjectState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isOpen(state: SubjectState): boolean {
  return OPEN_STATES.includes(state);
}

/** How a state reads in a message or a table. */
export const STATE_LABEL: Readonly<Record<SubjectState, string>> = {
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
