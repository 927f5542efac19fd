import type { ApprovalsCore } from "./core.js";

/**
 * Confirming a change made outside Gong (an IdP unassignment, a manual task): a directory sync that
 * shows the user inactive closes the subject; past the deadline the admins hear what to check.
 */

/**
 * Closes subjects waiting for the IdP whose user the current directory snapshot shows inactive. Only a
 * snapshot whose listing started after the change counts: an older one says nothing about it.
 */
export function closeVerified(core: ApprovalsCore): number {
  const { directory, syncRuns } = core.deps;
  const state = directory.state();
  if (!state) return 0;
  const listedFrom = syncRuns.get(state.gen)?.startedAt ?? null;
  if (!listedFrom) return 0;
  let closed = 0;
  for (const s of core.repo.subjectsIn(["awaiting_idp"])) {
    const changed = s.changeSentAt ?? core.repo.enteredAt(s.id, "awaiting_idp");
    if (!changed || listedFrom <= changed) continue;
    const row = directory.byId(state.gen, s.userId);
    if (row && row.active === false) {
      if (
        core.move(
          s,
          ["awaiting_idp"],
          "done",
          `the directory sync of ${state.syncedAt} shows ${s.name} inactive`,
        )
      )
        closed++;
    }
  }
  if (closed > 0) core.wake();
  return closed;
}

/** Past the deadline, a subject still waiting for Gong: tell the admins what to check (once). */
export async function verifyDeadline(core: ApprovalsCore, subjectId: number): Promise<void> {
  closeVerified(core);
  const s = core.repo.subject(subjectId);
  if (s?.state !== "awaiting_idp" || s.waitingNote) return;
  const dep = core.deprovisioner;
  const label = dep.label;
  const checks =
    dep.kind === "okta"
      ? "in Okta, the Gong app's Provisioning > To App has Deactivate Users on, and the user's push to Gong did not fail (Dashboard > Tasks)"
      : dep.kind === "entra"
        ? 'in Entra ID, the Gong enterprise app\'s provisioning is running (not quarantined), its scope is "Sync only assigned users and groups", and its provisioning log shows the user disabled'
        : `${label} removed the user and pushes deactivations to Gong`;
  const note = `still active in Gong ${core.settings.verifyMinutes ?? 90} minutes after the change in ${label}; check that ${checks}, then run a directory sync`;
  if (core.repo.annotate(s.id, "awaiting_idp", { waitingNote: note })) {
    core.repo.tx((tx) =>
      core.enqueueNotify(tx, {
        kind: "changed",
        requestId: s.requestId,
        subjectIds: [s.id],
        summary: `${s.name}: ${note}`,
      }),
    );
    core.log.warn("an IdP deactivation is not confirmed by Gong yet", { subject: s.id, via: label });
    core.wake();
  }
}
