import { GongQuotaExhaustedError, GongRetryAfterTooLongError, ScimError } from "../gong/errors.js";
import type { GongScimClient } from "../gong/scim.js";
import type { IdpSnapshot } from "../store/schema.js";

/**
 * The port through which an approved deactivation leaves gongops (design.md: approvals/ owns it; each
 * identity provider is an adapter beside gong/). Four modes, GONGOPS_DEACTIVATE_VIA:
 *
 * - `scim`: Gong's own SCIM (a "Custom" provisioning source): PATCH active=false, confirmed by the answer.
 * - `okta`, `entra`: the IdP that provisions Gong: remove the user's direct assignment to the Gong app;
 *   the IdP pushes the deactivation, and a Gong directory sync that shows the user inactive confirms it.
 * - `manual`: no API at all; the approval becomes a task for the IdP admins, closed by the same sync.
 *
 * Group-derived access is never removed: an adapter reports it (`group` / `both`, with the group names)
 * and the executor stops there, before any change.
 */

export type DeprovisionKind = "scim" | "okta" | "entra" | "manual";

/** The user as the provider knows them. */
export interface IdpUser {
  id: string;
  login: string;
  /** SCIM's active flag; unknown for IdPs (their user stays active, only the app assignment goes). */
  active?: boolean;
}

/** Whatever an adapter needs to undo its unassignment (stored as JSON on the subject: store/schema.ts). */
export type { IdpSnapshot };

export interface IdpAssignment {
  /** none: not assigned (nothing to do); direct: only a direct assignment; group/both: a group grants it. */
  kind: "none" | "direct" | "group" | "both";
  /** Names of the groups that grant access (group and both). */
  groups: string[];
  /** Taken before unassigning, to reassign on undo (direct and both). */
  snapshot: IdpSnapshot | null;
}

/** One call an adapter made, for the trail (never a header, never a token). */
export interface IdpCall {
  method: string;
  /** The endpoint's template, e.g. "DELETE /api/v1/apps/{appId}/users/{userId}". */
  endpoint: string;
  status: number;
}

/** Where an adapter reports the calls it makes for one deactivation, undo or check (that subject's trail). */
export type IdpObserver = (call: IdpCall) => void;

export interface Preflight {
  /** Why unassigning would deactivate nobody in Gong; null: go ahead. */
  refusal: string | null;
  /** What could not be checked, for the trail (the verification deadline still catches it). */
  caveat?: string;
}

export interface ApiDeprovisioner {
  readonly kind: "scim" | "okta" | "entra";
  /** In words: "Gong SCIM", "Okta", "Entra ID". */
  readonly label: string;
  /** "response": the unassign's answer is the proof (SCIM); "sync": wait for a Gong directory sync. */
  readonly confirmedBy: "response" | "sync";
  /**
   * Whether unassigning would deactivate the user in Gong: a refusal (before any change), or go ahead,
   * with a caveat for the trail when part of it could not be checked.
   */
  preflight(): Promise<Preflight>;
  /**
   * Proves the way out's credentials with one read that changes nothing (SCIM: one `/Users?count=1`),
   * for a check with nobody named; absent where the preflight already signs in (Okta, Entra ID).
   */
  prove?(): Promise<void>;
  find(email: string): Promise<IdpUser | null>;
  assignment(user: IdpUser): Promise<IdpAssignment>;
  /** Idempotent: "already" when there was nothing to remove (a 404 on the way counts as removed). */
  unassign(user: IdpUser, assignment: IdpAssignment): Promise<"removed" | "already">;
  reassign(snapshot: IdpSnapshot): Promise<void>;
  /**
   * After the change, ask the IdP to push it to Gong now (Entra's provisionOnDemand); what happened,
   * for the trail, or null when the adapter has no such nudge or it is off. Never fails the request.
   */
  nudge?(user: IdpUser): Promise<string | null>;
  /** What the admin must do when group membership grants the access. */
  groupAdvice(groups: string[]): string;
  /** A failure no retry can fix, in plain words (null: let the job retry; a RetryAt: wait until then). */
  explain(error: unknown): { failed: string } | { retryAt: Date; why: string } | null;
  /**
   * The same adapter (its limits, tokens and caches shared), with every HTTP call it makes reported to
   * `observer`. Made per deactivation, undo or check, so that two subjects executing at once each get
   * their own calls in their own trail.
   */
  observed(observer: IdpObserver): ApiDeprovisioner;
}

export interface ManualDeprovisioner {
  readonly kind: "manual";
  readonly label: string;
  /** The task the IdP admins get. */
  task(subject: { name: string; email: string | null }): string;
}

export type Deprovisioner = ApiDeprovisioner | ManualDeprovisioner;

export function manualDeprovisioner(): ManualDeprovisioner {
  return {
    kind: "manual",
    label: "the identity provider",
    task: (s) =>
      `remove ${s.name} (${s.email}) from the Gong app in the identity provider; the next directory sync that shows them inactive closes this`,
  };
}

/** Gong's own SCIM, as it was before the port: behaviour unchanged. */
export function scimDeprovisioner(scim: GongScimClient | null): ApiDeprovisioner {
  const need = (): GongScimClient => {
    if (!scim) throw new MissingScim();
    return scim;
  };
  const scimWay: ApiDeprovisioner = {
    kind: "scim",
    label: "Gong SCIM",
    confirmedBy: "response",
    async preflight() {
      return { refusal: scim ? null : "GONG_SCIM_TOKEN is not set: gongops cannot deactivate through SCIM" };
    },
    async prove() {
      await need().probe();
    },
    async find(email) {
      const user = await need().findUserByEmail(email);
      return user ? { id: user.id, login: user.userName, active: user.active !== false } : null;
    },
    async assignment(user) {
      return user.active === false
        ? { kind: "none", groups: [], snapshot: null }
        : { kind: "direct", groups: [], snapshot: { kind: "scim", scimId: user.id } };
    },
    async unassign(user) {
      if (user.active === false) return "already";
      await need().setActive(user.id, false);
      return "removed";
    },
    async reassign(snapshot) {
      await need().setActive(String(snapshot.scimId), true);
    },
    groupAdvice: () => "",
    explain(error) {
      if (error instanceof MissingScim)
        return { failed: "GONG_SCIM_TOKEN is not set: gongops cannot deactivate through SCIM" };
      if (error instanceof GongRetryAfterTooLongError) return { retryAt: error.retryAt, why: error.message };
      if (error instanceof GongQuotaExhaustedError) return { retryAt: error.resetAt, why: error.message };
      if (
        error instanceof ScimError &&
        error.status !== undefined &&
        error.status >= 400 &&
        error.status < 500
      ) {
        return {
          failed:
            error.status === 404
              ? `Gong SCIM answered 404: the user is not there (${error.detail ?? "no detail"})`
              : error.status === 401 || error.status === 403
                ? "Gong SCIM refused GONG_SCIM_TOKEN: regenerate it in Gong and set it again"
                : `Gong SCIM refused the change (HTTP ${error.status}${error.detail ? `: ${error.detail}` : ""})`,
        };
      }
      return null; // 429/5xx after the HTTP layer's retries: the job backs off and tries again
    },
    // SCIM calls are counted by the Gong limiter and its metrics; the transitions say what was done.
    observed: () => scimWay,
  };
  return scimWay;
}

class MissingScim extends Error {}
