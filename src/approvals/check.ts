import type { ApiDeprovisioner, Deprovisioner, DeprovisionKind, IdpAssignment } from "./deprovision.js";

/**
 * "Would an approved deactivation go through?", asked before the first real one: the way out
 * (GONGOPS_DEACTIVATE_VIA) signs in, runs the checks that come before a change, and says how each
 * named person is assigned. Read-only by construction: it calls preflight, find and assignment, never
 * unassign, reassign or nudge.
 */

export interface WayOutPerson {
  who: string;
  email: string;
  /**
   * ready: a deactivation would change them; nothing: already inactive (SCIM); refused: it would fail,
   * or change nothing (not assigned in the IdP at all).
   */
  verdict: "ready" | "nothing" | "refused";
  detail: string;
  assignment?: IdpAssignment["kind"];
  groups?: string[];
}

export interface WayOutCheck {
  via: DeprovisionKind;
  label: string;
  /** Every check passed and nobody named would be refused. */
  ready: boolean;
  /** Why no deactivation would go through now (sign-in, permissions, the app's provisioning). */
  refusal: string | null;
  caveat: string | null;
  people: WayOutPerson[];
  /** The IdP calls made, for the admin to see what was asked ("GET /api/v1/apps/{appId} → 200"). */
  calls: string[];
}

export async function checkWayOut(
  dep: Deprovisioner,
  people: readonly { who: string; email: string }[],
): Promise<WayOutCheck> {
  const base = { via: dep.kind, label: dep.label, caveat: null, calls: [] as string[] };
  if (dep.kind === "manual")
    return {
      ...base,
      ready: true,
      refusal: null,
      people: people.map((p) => ({
        ...p,
        verdict: "ready",
        detail:
          "an approval becomes a task for the IdP admins; the directory sync that shows them inactive closes it",
      })),
    };
  const calls = base.calls;
  const observed = dep.observed((c) => calls.push(`${c.endpoint} → ${c.status}`));
  let refusal: string | null;
  let caveat: string | null = null;
  try {
    const checked = await observed.preflight();
    refusal = checked.refusal;
    caveat = checked.caveat ?? null;
    // Nobody named: nothing else would touch the way out, so prove its credentials with one read
    // (a wrong SCIM token is found here, not at the first approved deactivation).
    if (!refusal && people.length === 0 && observed.prove) await observed.prove();
  } catch (error) {
    refusal = plain(dep, error);
  }
  if (refusal) return { ...base, caveat, ready: false, refusal, people: [] };
  const out: WayOutPerson[] = [];
  for (const p of people) out.push(await checkPerson(observed, p));
  return { ...base, caveat, refusal: null, ready: out.every((p) => p.verdict !== "refused"), people: out };
}

async function checkPerson(dep: ApiDeprovisioner, p: { who: string; email: string }): Promise<WayOutPerson> {
  try {
    const user = await dep.find(p.email);
    if (!user)
      return { ...p, verdict: "refused", detail: `${dep.label} has no user with login or email ${p.email}` };
    const a = await dep.assignment(user);
    const shown = { assignment: a.kind, groups: a.groups };
    if (a.kind === "group" || a.kind === "both")
      return {
        ...p,
        ...shown,
        verdict: "refused",
        detail: `gets Gong through ${dep.label} group${a.groups.length === 1 ? "" : "s"} ${a.groups.join(", ") || "(unnamed)"}${a.kind === "both" ? " as well as a direct assignment" : ""}; ${dep.groupAdvice(a.groups)}`,
      };
    if (a.kind === "none")
      return dep.kind === "scim"
        ? { ...p, ...shown, verdict: "nothing", detail: "already inactive in Gong SCIM" }
        : {
            // Active in Gong but not assigned here: an approval would remove nothing and wait.
            ...p,
            ...shown,
            verdict: "refused",
            detail: `not assigned to the Gong app in ${dep.label} (${user.login}): an approval would remove nothing; does ${dep.label} provision this user?`,
          };
    return {
      ...p,
      ...shown,
      verdict: "ready",
      detail:
        dep.kind === "scim"
          ? `active in Gong SCIM (${user.login}): an approval would PATCH active=false`
          : `directly assigned in ${dep.label} (${user.login}): an approval would remove that assignment`,
    };
  } catch (error) {
    return { ...p, verdict: "refused", detail: plain(dep, error) };
  }
}

function plain(dep: ApiDeprovisioner, error: unknown): string {
  const e = dep.explain(error);
  if (e && "failed" in e) return e.failed;
  if (e) return `${dep.label} asked to wait until ${e.retryAt.toISOString()}: ${e.why}`;
  return `${dep.label} could not be checked: ${(error as Error).message}`;
}
