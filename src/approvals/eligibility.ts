import { describeActivity } from "../audit/activity.js";
import { exemptionMatcher } from "../audit/exemptions.js";
import { buildReport } from "../audit/report.js";
import { directoryTeller } from "../directory/tellApart.js";
import { NotFoundError, RefusedError } from "../errors.js";
import type { GongUser } from "../gong/schemas.js";
import type { AuditRunRow, AuditSubjectRow } from "../store/audits.repo.js";
import type { ApprovalsCore } from "./core.js";
import { auditEvidence, checkOwnActivity, type Evidence } from "./evidence.js";
import { keptWords } from "./kept.js";
import { DAY_MS } from "./types.js";

/**
 * Who may be in a deactivation request, each refusal with its reason: found (one Gong user), active in
 * Gong now (a fresh read, not the snapshot), with an email, not exempt, not in another open request,
 * not kept by a manager within the keep cool-down, and inactive by its evidence: the referenced audit
 * found them inactive under its own rule, or (a direct filing) their own check finds no activity in
 * the look-back unless the requester forces it, having been told what the activity was.
 */
export interface Candidate {
  id: string;
  email: string;
  aliases: string[];
  name: string;
  title: string | null;
  managerId: string | null;
  created: string | null;
  lastCallAt: string | null;
  evidence: Evidence;
  /** Filed although plainly active (forced, or on an audit's finding or a departure): in words. */
  warning?: string;
}

export interface Refusal {
  who: string;
  why: string;
}

export interface EligibilityInput {
  who: readonly string[];
  auditRunId?: number | null;
  dryRun: boolean;
  /** File a person whose own check found activity in the look-back (their evidence says so). */
  force?: boolean;
  /**
   * They have left the company (leavers/): filed on that evidence, in these words, not on inactivity.
   * Every other check holds, and so do the ones before the change (activity since filing cancels).
   */
  left?: { words: string };
  /** Where it is filed: what a refusal of someone active suggests depends on it. */
  source?: "slack" | "cli" | "workflow";
}

/** How to file someone active all the same, from where the filing came. */
function forceHint(source: EligibilityInput["source"]): string {
  // A Workflow Builder step has no --force: an admin files such a person by hand.
  return source === "workflow"
    ? "a workflow cannot file someone active; an admin can, with /gong deactivate … --force"
    : "file with --force to ask anyway";
}

const GONG_ID = /^\d{1,20}$/;

/** An audit's inactive users (its report's list) and, for the rest, why it did not find them inactive. */
function auditVerdicts(core: ApprovalsCore, runId: number) {
  const { audits } = core.deps;
  const run = audits.get(runId);
  if (!run) throw new NotFoundError(`there is no audit #${runId}`);
  if (run.status !== "succeeded")
    throw new RefusedError(`audit #${runId} has not finished (${run.status}): it found nobody inactive yet`);
  const subjects = audits.subjects(runId);
  const windows = audits.windows(runId);
  const flagged = subjects.filter((s) => s.kind === "candidate" && !s.hostedCall && !s.activitySeen);
  const report = buildReport(run, windows, subjects, audits.lastCallsOf(flagged.map((s) => s.userId)));
  const callsFrom = windows.length > 0 ? windows.map((w) => w.fromAt).sort()[0]! : run.toAt;
  return {
    run,
    evidence: auditEvidence(run, callsFrom),
    inactive: new Map(report.inactive.map((u) => [u.id, u])),
    subjects: new Map(subjects.map((s) => [s.userId, s])),
  };
}

/** The users audit `runId` found inactive under its own rule (none until it finished). */
export function auditInactive(core: ApprovalsCore, runId: number) {
  const run = core.deps.audits.get(runId);
  if (run?.status !== "succeeded") return [];
  return [...auditVerdicts(core, runId).inactive.values()];
}

function notInactive(run: AuditRunRow, s: AuditSubjectRow | undefined): string {
  const audit = `audit #${run.id}`;
  if (!s) return `${audit} did not look at them (not an active, auditable user then)`;
  if (s.kind === "exempt") return `exempt in ${audit} (${s.reason ?? "exempt"})`;
  if (s.hostedCall)
    return `${audit} found them active: hosted a call${s.lastCallAt ? ` on ${s.lastCallAt.slice(0, 10)}` : ""}`;
  if (s.activitySeen)
    return `${audit} found them active under the ${run.activityRule} rule: ${describeActivity(s.activity ?? null)}`;
  return `${audit} did not find them inactive`;
}

export async function eligible(
  core: ApprovalsCore,
  input: EligibilityInput,
): Promise<{ candidates: Candidate[]; refused: Refusal[] }> {
  const { deps, settings } = core;
  const audit = input.auditRunId ? auditVerdicts(core, input.auditRunId) : null;
  const refused: Refusal[] = [];
  // Who each `who` names: a Gong id is taken as given (Gong is read for all of them below, in batches);
  // an email or a name is looked up.
  const named: { who: string; id: string }[] = [];
  for (const who of input.who) {
    const w = who.trim();
    if (GONG_ID.test(w)) {
      named.push({ who, id: w });
      continue;
    }
    try {
      const found = await deps.lookup.find(w);
      if (found.match === "none") refused.push({ who, why: "no Gong user matches" });
      else if (found.match === "many")
        refused.push({ who, why: `matches ${found.total} users: use an email or an id` });
      else named.push({ who, id: found.user.id });
    } catch (error) {
      refused.push({ who, why: (error as Error).message });
    }
  }
  // A fresh read: the snapshot, or the audit's, may be minutes old (someone deactivated since).
  const ids = [...new Set(named.map((n) => n.id))];
  const fresh = deps.gong ? new Map((await deps.gong.getUsersExtensive(ids)).map((u) => [u.id, u])) : null;
  const exempt = exemptionMatcher(
    deps.exemptions.list().map((r) => ({
      kind: r.kind,
      value: r.value,
      reason: r.reason,
      source: r.source === "list" ? ("list" as const) : ("setting" as const),
    })),
  );
  const cooldownDays = settings.keepCooldownDays ?? 90;
  const keptSince = new Date(core.clock.now() - cooldownDays * DAY_MS).toISOString();
  const ok: { who: string; c: Omit<Candidate, "evidence" | "lastCallAt"> }[] = [];
  const users = new Map(ids.map((id) => [id, fresh ? fresh.get(id) : gongUserOf(core, id)]));
  // Told apart from anyone active with the same name: the request, its messages and the trail say who.
  // One count for all of them (a filing from an audit names hundreds).
  const nameOf = directoryTeller(
    deps.directory,
    [...users.values()].flatMap((u) => (u ? [{ ...u, email: u.emailAddress }] : [])),
  );
  for (const { who, id } of named) {
    if (ok.some((o) => o.c.id === id)) continue;
    const u = users.get(id);
    if (!u) {
      refused.push({ who, why: fresh ? "Gong has no user with this id now" : "no Gong user matches" });
      continue;
    }
    const name = nameOf({ ...u, email: u.emailAddress });
    const email = u.emailAddress?.toLowerCase() ?? null;
    const aliases = (u.emailAliases ?? []).map((a) => a.toLowerCase()).filter((a) => a !== email);
    const kept = deps.repo.keptSince(id, keptSince);
    const open = deps.repo.openFor(id, { dryRun: input.dryRun });
    const rule = exempt({ id, email, aliases, title: u.title ?? null });
    const why =
      u.active !== true
        ? `${name} is not active in Gong (read from Gong just now)`
        : !email
          ? `${name} has no email in Gong (SCIM finds users by it)`
          : rule
            ? `${name} is exempt (${rule.kind} ${rule.value})`
            : open
              ? `${name} is already in open ${input.dryRun ? "dry-run " : ""}request #${open.requestId}`
              : kept && cooldownDays > 0
                ? `${name} is ${keptWords(core, kept)} (request #${kept.requestId}, decided ${kept.decidedAt!.slice(0, 10)}; the keep cool-down, GONGOPS_KEEP_COOLDOWN_DAYS=${cooldownDays})`
                : audit && !audit.inactive.has(id)
                  ? `${name}: ${notInactive(audit.run, audit.subjects.get(id))}`
                  : null;
    if (why) refused.push({ who, why });
    else
      ok.push({
        who,
        c: {
          id,
          email: email!,
          aliases,
          name,
          title: u.title ?? null,
          managerId: u.managerId ?? null,
          created: u.created ?? null,
        },
      });
  }
  // The one rule for every way of filing (the CLI, /gong deactivate, an audit's or a digest's modal, a
  // leaver's button, a workflow step): each person's own check, now, over the look-back an audit would
  // count. Someone plainly active (a call 30 days ago) is refused on a direct filing unless forced; on
  // an audit's finding or a departure they are filed, and the requester is warned as it is filed.
  const checks = await checkOwnActivity(
    core,
    ok.map((o) => o.c.id),
  );
  const candidates: Candidate[] = [];
  for (const { who, c } of ok) {
    const check = checks.get(c.id)!;
    const active = check.active
      ? `${c.name} was active in the last ${check.lookbackDays} days: ${check.activity}`
      : null;
    if (input.left || audit) {
      const evidence: Evidence = input.left
        ? {
            auditRunId: null,
            activitySince: core.now().toISOString(),
            lookbackDays: deps.lookbackDays ?? 90,
            words: input.left.words,
          }
        : audit!.evidence;
      const basis = input.left
        ? "their departure all the same (activity after this filing stops it before any change)"
        : `audit #${audit!.run.id}'s finding all the same (activity after that audit stops it before any change)`;
      candidates.push({
        ...c,
        lastCallAt: audit?.inactive.get(c.id)?.lastHostedCall ?? null,
        evidence: active ? { ...evidence, words: `${evidence.words}; but ${check.words}` } : evidence,
        ...(active
          ? {
              warning: `${active}; filed on ${basis}`,
            }
          : {}),
      });
      continue;
    }
    if (active && !input.force) {
      refused.push({ who, why: `${active} (${forceHint(input.source)})` });
      continue;
    }
    const words = active ? `filed with --force although ${check.words}` : check.words;
    candidates.push({
      ...c,
      lastCallAt: null,
      evidence: { ...check, words },
      ...(active ? { warning: `${active}; filed with --force all the same` } : {}),
    });
  }
  return { candidates, refused };
}

/**
 * What the requester is told as a request is filed, one line each, in every face's reply: who was not
 * included and why, and who was filed although plainly active.
 */
export function filingNotes(f: { refused: readonly Refusal[]; warnings: readonly Refusal[] }): string[] {
  return [
    ...f.refused.map((r) => `Not included: ${r.who}: ${r.why}`),
    ...f.warnings.map((w) => `Warning: ${w.why}`),
  ];
}

/** Without a Gong connection: the snapshot's record of them, as Gong last sent it. */
function gongUserOf(core: ApprovalsCore, id: string): GongUser | undefined {
  const { directory } = core.deps;
  const state = directory.state();
  const row = state ? directory.byId(state.gen, id) : null;
  if (!row) return undefined;
  return {
    id: row.id,
    emailAddress: row.email,
    emailAliases: directory.aliases(row.id, row.validFrom),
    active: row.active,
    managerId: row.managerId,
    firstName: row.firstName,
    lastName: row.lastName,
    title: row.title,
    created: row.created,
  } as GongUser;
}
