import { isOpen } from "../approvals/states.js";
import type { Actor } from "../approvals/types.js";
import { displayName } from "../directory/names.js";
import { RefusedError } from "../errors.js";
import type { LeaverRow } from "../store/leavers.repo.js";
import type { NoticePost } from "../store/schema.js";
import { evidenceOf, type LeaversCore, SOURCE_WORDS } from "./core.js";
import { leftReason } from "./match.js";
import { latestNewcomers } from "./newcomers.js";
import { LEAVERS_ACTOR, type LeaverNotice } from "./types.js";

/**
 * Telling the admins, and filing: a leaver's notice (once), the request filed from it (its button, or
 * at once with GONGOPS_LEAVERS_AUTO_REQUEST) through the same approvals flow, and the stuck newcomers'
 * DMs (once per person, ever).
 */

/** Files a leaver's deactivation request: same flow, same checks, filed on their departure. */
export async function requestDeactivation(core: LeaversCore, userId: string, actor: Actor) {
  const row = core.repo.get(userId);
  if (!row)
    throw new RefusedError(
      "they are not a leaver now (their account came back, or Gong no longer has them active): nothing was filed",
    );
  const open = openRequest(core, row);
  if (open) throw new RefusedError(`${row.name} is already in deactivation request #${open}`);
  const reason = leftReason(evidenceOf(row), row.foundAt);
  const filed = await core.deps.approvals.request({
    who: [row.userId],
    reason,
    actor,
    source: "slack",
    left: {
      words: `${reason} (${SOURCE_WORDS[row.source]}; seen by gongops on ${row.foundAt.slice(0, 10)})`,
    },
  });
  const s = filed.view.subjects.find((x) => x.userId === row.userId);
  if (s) core.repo.update(row.userId, { requestId: filed.view.request.id, subjectId: s.id });
  const after = core.repo.get(userId);
  if (after?.notice?.length && core.notifier)
    await core.notifier
      .update(after.notice, notice(core, after, null))
      .catch((error: unknown) => core.log.warn("could not update a leaver's notice", { err: error }));
  return filed;
}

/** The open (real) request filed from this leaver's notice, if there is one. */
function openRequest(core: LeaversCore, row: LeaverRow): number | null {
  if (!row.requestId) return null;
  const s = core.deps.approvals.view(row.requestId)?.subjects.find((x) => x.id === row.subjectId);
  return s && !s.dryRun && isOpen(s.state) ? row.requestId : null;
}

/** The notice for a leaver, from what is stored now. */
export function notice(core: LeaversCore, row: LeaverRow, refused: string | null): LeaverNotice {
  const { directory, settings, approvals } = core.deps;
  const state = directory.state();
  const price = settings.seatPricePerYear;
  const view = row.requestId ? approvals.view(row.requestId) : null;
  const s = view?.subjects.find((x) => x.id === row.subjectId);
  return {
    leaver: row,
    manager: state ? core.managerOf(state.gen, row.userId) : null,
    seatCost: price === null ? null : { amount: price, currency: settings.currency },
    reason: leftReason(evidenceOf(row), row.foundAt),
    request:
      view && s
        ? { id: view.request.id, approver: s.approverName ?? "the approvals channel", dryRun: view.dryRun }
        : null,
    refused,
    offerButton: !(view && s) && !refused,
  };
}

/** The notice job: files at once when told to, then tells the admins, once per leaver. */
export async function runNotice(core: LeaversCore, userId: string): Promise<void> {
  const row = core.repo.get(userId);
  if (!row || row.noticedAt) return;
  const notifier = core.requireNotifier();
  let refused: string | null = null;
  if (core.deps.settings.autoRequest && !row.requestId) {
    try {
      await requestDeactivation(core, userId, LEAVERS_ACTOR);
    } catch (error) {
      if (!(error instanceof RefusedError)) throw error;
      refused = error.message;
    }
  }
  const now = core.repo.get(userId);
  if (!now) return;
  const posts = await notifier.left(notice(core, now, refused));
  core.repo.update(userId, { notice: posts, noticedAt: core.now().toISOString() });
}

export async function runBack(
  core: LeaversCore,
  payload: { name: string; why: string; posts: NoticePost[] },
): Promise<void> {
  await core.requireNotifier().back(payload.posts, { name: payload.name, why: payload.why });
}

/** One DM per admin about each stuck newcomer of a finished audit, never twice for one person. */
export async function runNewcomers(core: LeaversCore, runId: number): Promise<void> {
  const { newcomers } = latestNewcomers(core.deps.audits, runId);
  if (newcomers.length === 0) return;
  const notifier = core.requireNotifier();
  const { directory } = core.deps;
  const state = directory.state();
  for (const n of newcomers) {
    // Claimed before it is sent: two workers never both send; a failed send gives the claim back.
    if (!core.repo.markNewcomer(n.id, runId, core.now())) continue;
    try {
      const m = state && n.managerId ? directory.byId(state.gen, n.managerId) : null;
      await notifier.newcomer(n, m ? displayName(m) : null);
    } catch (error) {
      core.repo.unmarkNewcomer(n.id);
      throw error;
    }
  }
}
