import { NotFoundError, RefusedError, UsageError } from "../errors.js";
import type { SubjectRow } from "../store/approvals.repo.js";
import type { ApprovalsCore } from "./core.js";
import { identityProblem } from "./stillWanted.js";
import type { Actor } from "./types.js";

/**
 * Undo: SCIM active=true, or the saved Okta / Entra ID assignment put back, for a user gongops
 * deactivated, recorded in the trail.
 */

/**
 * What undo applies to: a deactivated subject, or one that failed after an IdP change may have landed
 * (its undo snapshot was stored before the change).
 */
export function undoable(s: SubjectRow): boolean {
  return s.state === "done" || (s.state === "failed" && s.idpSnapshot != null);
}

/** `gongops reactivate <who>`: the newest subject gongops deactivated for that user. */
export async function reactivate(
  core: ApprovalsCore,
  input: { who: string; reason: string; actor: Actor },
): Promise<SubjectRow> {
  if (!input.reason.trim()) throw new UsageError('reactivating needs a reason: --reason "…"');
  const found = await core.deps.lookup.find(input.who, { refresh: "none" });
  if (found.match !== "one") throw new NotFoundError(`no single Gong user matches "${input.who}"`);
  const s = core.repo.subjectsOfUser(found.user.id).find(undoable);
  if (!s) throw new RefusedError(`${found.user.name} was not deactivated by gongops; nothing to undo`);
  return reactivateSubject(core, { subjectId: s.id, reason: input.reason, actor: input.actor });
}

/** Why `actor` may not undo subject `id` (null: they may), asked before the reason is (the button). */
export function reactivateRefusal(core: ApprovalsCore, id: number, actor: Actor): string | null {
  const s = core.repo.subject(id);
  if (!s || !undoable(s)) return "only a user gongops deactivated can be reactivated";
  if (!actor.isAdmin && actor.slackUserId !== s.decidedBy)
    return "only admins and the approver can reactivate";
  return null;
}

/** Undo for one subject (the Reactivate button): admins and whoever approved it. */
export async function reactivateSubject(
  core: ApprovalsCore,
  input: { subjectId: number; reason: string; actor: Actor },
): Promise<SubjectRow> {
  const { repo } = core;
  if (!input.reason.trim()) throw new UsageError("reactivating needs a reason");
  const refused = reactivateRefusal(core, input.subjectId, input.actor);
  if (refused) throw new RefusedError(refused);
  const s = repo.subject(input.subjectId)!;
  const request = repo.request(s.requestId)!;
  const dry = core.isDryRun(request) && !s.changeSentAt && !s.idpSnapshot;
  // Undo changes someone too: the Gong id must still carry the address the request was filed for.
  const identity = dry ? null : await identityProblem(core, s, { inactiveOk: true });
  if (identity) throw new RefusedError(`${s.name} is left as they are: ${identity}`);
  let how = "reactivated through SCIM (active=true)";
  if (!dry && s.idpSnapshot) {
    const dep = core.deprovisioner;
    if (dep.kind !== s.idpSnapshot.kind || dep.kind === "manual" || dep.kind === "scim")
      throw new RefusedError(
        `${s.name} was removed through ${s.idpSnapshot.kind}, but GONGOPS_DEACTIVATE_VIA is ${core.settings.deactivateVia}: reassign them in the IdP by hand`,
      );
    const observed = dep.observed((call) =>
      repo.note(s.id, {
        actor: input.actor.label,
        why: `${dep.label}: ${call.endpoint} → ${call.status}`,
        now: core.now(),
      }),
    );
    try {
      await observed.reassign(s.idpSnapshot);
    } catch (error) {
      // In plain words for whoever asked; the user stays deactivated and they can try again.
      const plain = dep.explain(error);
      if (!plain) throw error;
      throw new RefusedError(
        "failed" in plain
          ? `${s.name} is still deactivated: ${plain.failed}`
          : `${s.name} is still deactivated: ${dep.label} asked to wait until ${plain.retryAt.toISOString()}; try again then`,
      );
    }
    how = `reassigned to the Gong app in ${dep.label} (Gong reactivates them on its next push)`;
  } else if (!dry) {
    const scim = core.deps.scim;
    if (!scim)
      throw new RefusedError("GONG_SCIM_TOKEN is not set: reactivate the user in the IdP or in Gong");
    // The SCIM user gongops deactivated, by the id pinned then; the email is only for older subjects.
    const user = s.wayOutId ? await scim.getUser(s.wayOutId) : await scim.findUserByEmail(s.email!);
    if (!user)
      throw new NotFoundError(
        s.wayOutId
          ? `Gong SCIM has no user ${s.wayOutId} (the one gongops deactivated for ${s.email})`
          : `Gong SCIM has no user with userName ${s.email}`,
      );
    if (user.active !== true) await scim.setActive(user.id, true);
  }
  const row = core.move(
    s,
    [s.state === "failed" ? "failed" : "done"],
    "reactivated",
    `${dry ? "dry run undone (nothing had changed)" : how} by ${input.actor.label}: ${input.reason.trim()}`,
  );
  if (!row)
    throw new RefusedError(
      `${s.name} changed meanwhile; look again with gongops requests show ${s.requestId}`,
    );
  core.wake();
  return row;
}
