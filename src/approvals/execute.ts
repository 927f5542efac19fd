import { nextUtcMidnight, utcDay } from "../clock.js";
import { enqueueJob, RetryAfterError } from "../jobs/index.js";
import type { RequestRow, SubjectRow } from "../store/approvals.repo.js";
import type { ApprovalsCore } from "./core.js";
import type { ApiDeprovisioner } from "./deprovision.js";

/**
 * The approval-execute job: the checks that come before a change, the daily cap, then the change
 * through the way out (SCIM PATCH, or an unassignment in Okta or Entra ID that a sync confirms). Safe
 * to run again at any point: every step starts from the stored state.
 */

class LostClaim {}

/** Fresh from Gong: why the subject must not be deactivated now (null: go ahead). */
async function cameBack(core: ApprovalsCore, s: SubjectRow, request: RequestRow): Promise<string | null> {
  const gong = core.deps.gong;
  if (!gong) return null;
  const user = await gong.getUser(s.userId);
  if (!user) return `${s.name} is no longer in Gong`;
  const from = new Date(request.activitySince);
  const to = core.now();
  if (to <= from) return null;
  let latest: string | null = null;
  for await (const call of gong.callsExtensive({ from, to, primaryUserIds: [s.userId] })) {
    if (call.primaryUserId !== s.userId) continue;
    const at = call.started ?? call.scheduled ?? null;
    if (at && (!latest || at > latest)) latest = at;
    if (!at && !latest) latest = "an unknown date";
  }
  return latest ? `hosted a call on ${latest.slice(0, 10)}` : null;
}

/** `signal`: the job's lease was lost or given back; another process may run it now, so no change. */
export async function execute(core: ApprovalsCore, subjectId: number, signal?: AbortSignal): Promise<void> {
  const { repo, settings } = core;
  let s = repo.subject(subjectId);
  if (!s) return;
  const request = repo.request(s.requestId)!;
  if (s.state === "approved") {
    const reason = await cameBack(core, s, request);
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
  }
  if (s.state !== "executing") return;
  await change(core, s, signal);
}

async function change(core: ApprovalsCore, s: SubjectRow, signal?: AbortSignal): Promise<void> {
  const dep = core.deprovisioner;
  if (dep.kind === "manual") return;
  dep.observe((call) =>
    core.repo.note(s.id, {
      actor: "gongops",
      why: `${dep.label}: ${call.endpoint} → ${call.status}`,
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
  } finally {
    dep.observe(null);
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
      core.move(s, ["executing"], "done", "already inactive in Gong SCIM; no PATCH made", {
        scimId: user.id,
      });
      return;
    }
    await dep.unassign(user, assignment);
    core.move(s, ["executing"], "done", "deactivated through SCIM (PATCH active=false, verified)", {
      scimId: user.id,
    });
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
    const out = await dep.unassign(user, assignment);
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
