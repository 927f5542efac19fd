import { nextUtcMidnight, utcDay } from "../clock.js";
import { GongQuotaExhaustedError, GongRetryAfterTooLongError } from "../gong/errors.js";
import { enqueueJob, RetryAfterError } from "../jobs/index.js";
import type { SubjectRow } from "../store/approvals.repo.js";
import type { ApprovalsCore } from "./core.js";
import type { ApiDeprovisioner } from "./deprovision.js";
import { whyNotNow } from "./stillWanted.js";

/**
 * The approval-execute job: the checks that come before a change, the daily cap, then the change
 * through the way out (SCIM PATCH, or an unassignment in Okta or Entra ID that a sync confirms). Safe
 * to run again at any point: every step starts from the stored state.
 */

class LostClaim {}

/** Gong's spent daily budget or a long Retry-After: the job waits without spending an attempt. */
function asWait(error: unknown): RetryAfterError | null {
  if (error instanceof GongQuotaExhaustedError) return new RetryAfterError(error.resetAt, error.message);
  if (error instanceof GongRetryAfterTooLongError) return new RetryAfterError(error.retryAt, error.message);
  return null;
}

/** `signal`: the job's lease was lost or given back; another process may run it now, so no change. */
export async function execute(core: ApprovalsCore, subjectId: number, signal?: AbortSignal): Promise<void> {
  try {
    await run(core, subjectId, signal);
  } catch (error) {
    throw asWait(error) ?? error;
  }
}

async function run(core: ApprovalsCore, subjectId: number, signal?: AbortSignal): Promise<void> {
  const { repo, settings } = core;
  let s = repo.subject(subjectId);
  if (!s) return;
  const request = repo.request(s.requestId)!;
  if (s.state === "approved") {
    const reason = await whyNotNow(core, s, request, { inactiveOk: false });
    if (reason) {
      core.move(s, ["approved"], "cancelled", reason);
      return;
    }
    if (core.isDryRun(request)) {
      core.move(
        s,
        ["approved"],
        "done",
        "dry run: everything but the PATCH was done; nobody was deactivated",
      );
      return;
    }
    const dep = core.deprovisioner;
    if (dep.kind === "manual") {
      core.move(s, ["approved"], "awaiting_idp", dep.task(s), {}, "task");
      return;
    }
    const now = core.now();
    const day = utcDay(now.getTime());
    const current = s;
    let claimed: SubjectRow | "cap";
    try {
      claimed = repo.tx((tx) => {
        if (!repo.takeDailySlot(tx, day, settings.maxPerDay, current.capOverride)) return "cap" as const;
        const row = core.transition(tx, {
          subjectId: current.id,
          from: ["approved"],
          to: "executing",
          actor: "gongops",
          why: `claimed for the ${dep.kind === "scim" ? "PATCH" : `unassignment in ${dep.label}`} (${current.capOverride ? "past the daily cap by an admin" : `within today's cap of ${settings.maxPerDay}`})`,
          set: { waitingNote: null },
          now,
        });
        // Someone else claimed it: give the slot back by rolling back.
        if (!row) throw new LostClaim();
        return row;
      });
    } catch (error) {
      if (error instanceof LostClaim) return;
      throw error;
    }
    if (claimed === "cap") {
      const until = nextUtcMidnight(now.getTime());
      const note = `waiting: today's ${settings.maxPerDay} deactivations (GONGOPS_MAX_DEACTIVATIONS_PER_DAY) are done; continues after ${until.toISOString()} unless an admin lets it through`;
      if (!current.waitingNote) {
        repo.annotate(current.id, "approved", { waitingNote: note });
        repo.tx((tx) =>
          core.enqueueNotify(tx, {
            kind: "changed",
            requestId: current.requestId,
            subjectIds: [current.id],
            summary: note,
          }),
        );
        core.wake();
      }
      throw new RetryAfterError(until, note);
    }
    s = claimed;
  } else if (s.state === "executing") {
    // A retry, or a takeover after a crash: the same checks again before any change goes out. The
    // person may already be inactive because an earlier attempt's change landed: the way out says.
    const reason = await whyNotNow(core, s, request, { inactiveOk: true });
    if (reason) {
      if (s.changeSentAt == null && s.idpSnapshot == null) core.move(s, ["executing"], "cancelled", reason);
      else
        core.move(
          s,
          ["executing"],
          "failed",
          `${reason}. An earlier attempt sent the change at ${s.changeSentAt ?? "an unknown time"}: check ${s.name} at the way out, or undo it with gongops reactivate`,
        );
      return;
    }
  }
  if (s.state !== "executing") return;
  await change(core, s, signal);
}

async function change(core: ApprovalsCore, s: SubjectRow, signal?: AbortSignal): Promise<void> {
  if (core.deprovisioner.kind === "manual") return;
  // This attempt's own view of the adapter: its calls land on this subject's trail, whoever else runs.
  const dep = core.deprovisioner.observed((call) =>
    core.repo.note(s.id, {
      actor: "gongops",
      why: `${core.deprovisioner.label}: ${call.endpoint} → ${call.status}`,
      now: core.now(),
    }),
  );
  try {
    await unassign(core, s, dep, signal);
  } catch (error) {
    const plain = dep.explain(error);
    if (plain && "retryAt" in plain) throw new RetryAfterError(plain.retryAt, plain.why);
    if (plain) {
      // An earlier attempt's change may have landed; this attempt's partial one the adapter says.
      const landed =
        s.idpSnapshot != null && !/Nothing was changed\.$/.test(plain.failed)
          ? ` An earlier attempt may already have removed the assignment in ${dep.label}: check ${s.name} there, or put it back with gongops reactivate.`
          : "";
      core.move(s, ["executing"], "failed", `${plain.failed}${landed}`);
      return;
    }
    throw error; // 429/5xx after the HTTP layer's retries: the job backs off and tries again
  }
}

/**
 * Found again every time, so a takeover after a crash sees a change that already landed. A stored
 * undo snapshot means an earlier attempt may have removed the assignment: the checks still run
 * (no change goes out unchecked), but no failure may then claim that nothing was changed, the
 * snapshot taken before that first change is kept, and `gongops reactivate` can put it back.
 */
async function unassign(
  core: ApprovalsCore,
  s: SubjectRow,
  dep: ApiDeprovisioner,
  signal?: AbortSignal,
): Promise<void> {
  const { repo } = core;
  const scim = dep.kind === "scim";
  const earlier = s.idpSnapshot != null;
  const unchanged = earlier
    ? ` An earlier attempt may already have removed the assignment in ${dep.label}: check ${s.name} there, or put it back with gongops reactivate.`
    : " Nothing was changed.";
  const checked = await dep.preflight();
  const { refusal } = checked;
  if (refusal) {
    core.move(s, ["executing"], "failed", scim ? refusal : `${refusal}.${unchanged}`);
    return;
  }
  if (checked.caveat) repo.note(s.id, { actor: "gongops", why: checked.caveat, now: core.now() });
  const user = await dep.find(s.email!);
  if (!user) {
    core.move(
      s,
      ["executing"],
      "failed",
      scim
        ? `Gong SCIM has no user with userName ${s.email} (404); is the SCIM source the one Gong provisions from?`
        : `${dep.label} has no user with login ${s.email}; is ${dep.label} the source Gong provisions from?${unchanged}`,
    );
    return;
  }
  // The person is their Gong id; the way out finds them by email, which can move to someone else.
  // The user found first is pinned, and every later attempt must find the same one.
  if (s.wayOutId != null && s.wayOutId !== user.id) {
    core.move(
      s,
      ["executing"],
      "failed",
      `${dep.label} now finds user ${user.id} for ${s.email}, not user ${s.wayOutId} it found first: the address moved to someone else, so gongops changes nobody.${unchanged}`,
    );
    return;
  }
  if (s.wayOutId == null && !repo.annotate(s.id, "executing", { wayOutId: user.id })) return;
  const assignment = await dep.assignment(user);
  if (assignment.kind === "group" || assignment.kind === "both") {
    const groups = assignment.groups.length > 0 ? assignment.groups.join(", ") : "an unnamed group";
    core.move(
      s,
      ["executing"],
      "failed",
      `${s.name} gets Gong through ${dep.label} group${assignment.groups.length === 1 ? "" : "s"} ${groups}` +
        `${assignment.kind === "both" ? " as well as a direct assignment" : ""}; gongops never removes group access. ` +
        `${dep.groupAdvice(assignment.groups)}${unchanged}`,
    );
    return;
  }
  if (scim) {
    if (assignment.kind === "none") {
      core.move(
        s,
        ["executing"],
        "done",
        s.changeSentAt
          ? `deactivated through SCIM: the PATCH sent at ${s.changeSentAt} got no good answer, but it landed (SCIM shows the user inactive)`
          : "already inactive in Gong SCIM; no PATCH made",
      );
      return;
    }
    if (signal?.aborted) return;
    await sendChange(core, s, "PATCH active=false", () => dep.unassign(user, assignment));
    core.move(s, ["executing"], "done", "deactivated through SCIM (PATCH active=false, verified)");
    core.log.info("deactivated a Gong user through SCIM", { subject: s.id, user: s.userId });
    return;
  }
  let why: string;
  if (assignment.kind === "none") {
    // A snapshot means an earlier attempt removed the assignment (a takeover after a crash).
    why = s.idpSnapshot
      ? `removed in ${dep.label} by an earlier attempt, waiting for Gong: a directory sync that shows ${s.name} inactive confirms it`
      : `not assigned to the Gong app in ${dep.label} (nothing to remove); waiting for a Gong directory sync that shows ${s.name} inactive`;
  } else {
    // The undo snapshot is stored before the change: a crash after it still leaves a way back. The
    // first one is kept (it is what the user had before any attempt; a partial removal leaves less).
    // The job given back, or the subject moved meanwhile: another attempt owns it now.
    if (signal?.aborted) return;
    if (!earlier && !repo.annotate(s.id, "executing", { idpSnapshot: assignment.snapshot })) return;
    if (signal?.aborted) return;
    const out = await sendChange(core, s, "unassignment", () => dep.unassign(user, assignment));
    why =
      out === "already"
        ? `already removed in ${dep.label}; waiting for a Gong directory sync that shows ${s.name} inactive`
        : `removed in ${dep.label}, waiting for Gong: a directory sync that shows ${s.name} inactive confirms it`;
    core.log.info(`unassigned a user from the Gong app in ${dep.label}`, { subject: s.id, user: s.userId });
  }
  const nudged = await dep.nudge?.(user);
  if (nudged) repo.note(s.id, { actor: "gongops", why: `${dep.label}: ${nudged}`, now: core.now() });
  const now = core.now();
  const minutes = core.settings.verifyMinutes ?? 90;
  repo.tx((tx) => {
    const row = core.transition(tx, {
      subjectId: s.id,
      from: ["executing"],
      to: "awaiting_idp",
      actor: "gongops",
      why,
      set: { stateReason: why, waitingNote: null },
      now,
    });
    if (!row) return;
    core.enqueueNotify(tx, {
      kind: "changed",
      requestId: s.requestId,
      subjectIds: [s.id],
      summary: `${s.name}: ${why}`,
    });
    enqueueJob(
      core.deps.jobs,
      core.jobs.verify,
      { subjectId: s.id },
      {
        tx,
        now,
        runAt: new Date(now.getTime() + minutes * 60_000),
        idempotencyKey: `approval-verify:${s.id}`,
      },
    );
  });
  core.wake();
}

/**
 * Sends the change, recorded before (the subject's changeSentAt, and a trail note) and after (the
 * failure): a change that landed but answered an error is then told truthfully by the next attempt,
 * and nothing claims "nothing was changed" once it may have been.
 */
async function sendChange<T>(
  core: ApprovalsCore,
  s: SubjectRow,
  what: string,
  send: () => Promise<T>,
): Promise<T> {
  const label = core.deprovisioner.label;
  const at = core.now().toISOString();
  if (s.changeSentAt == null) core.repo.annotate(s.id, "executing", { changeSentAt: at });
  core.repo.note(s.id, { actor: "gongops", why: `${label}: sending the ${what}`, now: core.now() });
  try {
    return await send();
  } catch (error) {
    core.repo.note(s.id, {
      actor: "gongops",
      why: `${label}: the ${what} sent at ${at} failed or got no good answer (${(error as Error).message}); it may have landed`,
      now: core.now(),
    });
    throw error;
  }
}

/**
 * The execute job died (every attempt failed): the subject must not sit in approved or executing
 * forever. It fails, in words that say whether a change may have gone out (a slot taken for nothing
 * goes back: store/approvals.repo.ts), and the faces tell the requester and the admins.
 */
export function executeDied(core: ApprovalsCore, subjectId: number, lastError: string | null): void {
  const s = core.repo.subject(subjectId);
  if (!s || (s.state !== "approved" && s.state !== "executing")) return;
  const sent = s.changeSentAt != null || s.idpSnapshot != null;
  const why =
    `the deactivation job gave up after its last attempt (${lastError ?? "no error recorded"}); ` +
    (sent
      ? `the change was sent at ${s.changeSentAt ?? "an earlier attempt"} and may have landed: check ${s.name} at the way out, or undo it with gongops reactivate`
      : `nothing was changed; once the cause is fixed an admin can run it again (gongops requests retry ${s.id}, or Retry in Slack)`);
  core.move(s, [s.state], "failed", why);
  core.log.error("a deactivation failed: its job died", { subject: s.id, request: s.requestId });
}
