import { type Clock, nowDate } from "../clock.js";
import type { DirectorySync } from "../directory/sync.service.js";
import { GongopsError, LockHeldError } from "../errors.js";
import { GongQuotaExhaustedError, GongRetryAfterTooLongError } from "../gong/errors.js";
import { RequestMeter } from "../gong/http.js";
import { DAY_MS, splitWindowsNewestFirst } from "../gong/windows.js";
import type { Logger } from "../log.js";
import { inChunks, readInPages } from "../pace.js";
import type { AuditRunRow, AuditsRepo } from "../store/audits.repo.js";
import type { DirectoryRepo } from "../store/directory.repo.js";
import { type ActivityService, activityDays } from "./activity.js";
import type { ExemptRule } from "./exemptions.js";
import type { InactiveUser } from "./report.js";
import type { AuditRequest, AuditSettings } from "./request.js";
import { type DirectoryPerson, selectSubjectsInChunks } from "./subjects.js";

/**
 * Preparing an audit run, before its first request about calls: a directory sync when the snapshot is
 * stale, the look-back (and, for the "any" rule, the company's days), the candidates and who is set
 * aside, and the windows, all written to SQLite in chunks so that the run can be resumed from here.
 */
export interface PrepareDeps {
  directory: DirectoryRepo;
  audits: AuditsRepo;
  sync: DirectorySync;
  settings: AuditSettings;
  log: Logger;
  activity: ActivityService;
  batchSize: number;
  clock: Clock;
  kept?: (now: Date) => ReadonlyMap<string, string>;
}

export async function prepareRun(
  deps: PrepareDeps,
  request: AuditRequest & { days: number; rules: ExemptRule[] },
): Promise<AuditRunRow> {
  const { settings, directory, audits, log } = deps;
  const { days, rules } = request;
  // The look-back ends when the audit was asked for, not when its directory sync finished.
  const now = nowDate(deps.clock);
  let state = directory.state();
  const ageMin = state ? (now.getTime() - Date.parse(state.syncedAt)) / 60_000 : Number.POSITIVE_INFINITY;
  const stale = !state || ageMin > settings.freshnessMinutes;
  if (stale || request.fresh) {
    try {
      await syncFor(deps, request);
    } catch (error) {
      // Asked to be fresh, but Gong says wait (a spent budget, a long Retry-After) or another sync is
      // running: the snapshot, still within the freshness window, will do; the report says its age.
      if (stale || !waitedOn(error)) throw error;
      log.warn("could not sync the directory for this audit; it reads the current snapshot", {
        syncedAt: state!.syncedAt,
        reason: (error as Error).message,
      });
    }
    state = directory.state();
  }
  if (!state) throw new GongopsError("CONFLICT", "the directory sync made no snapshot to audit");

  const to = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const from = new Date(to.getTime() - days * DAY_MS);
  const rule = request.activity ?? settings.activity;
  // "any": the statistics cover whole company days from the day `from` falls on up to today
  // (exclusive); calls cover the rest of the look-back, from the start of today to `to`.
  const zoneMeter = new RequestMeter();
  const anyDays =
    rule === "any"
      ? activityDays(to, days, await deps.activity.timeZone({ meter: zoneMeter, signal: request.signal }))
      : null;
  const callsFrom = anyDays ? new Date(Math.max(from.getTime(), anyDays.todayStart)) : from;
  const graceDays = settings.graceDays ?? days;
  // Everyone in the snapshot, read and sorted into candidates and exempt between other work.
  const gen = state.gen;
  const people = await readInPages(
    (after: string | null, n) => directory.peopleAfter(gen, after ?? "", n),
    (p) => p.id,
  );
  const subjects = await selectSubjectsInChunks(people, {
    now: to,
    graceDays,
    rules,
    exemptManagers: settings.exemptManagers,
    // Only the "any" rule reads what shows that a newcomer never started.
    ...(rule === "any" && settings.onboardingDays !== undefined
      ? { onboardingDays: settings.onboardingDays }
      : {}),
    kept: deps.kept?.(to),
  });
  const runId = audits.create({
    status: "running",
    trigger: request.trigger ?? "cli",
    startedAt: now.toISOString(),
    fromAt: from.toISOString(),
    toAt: to.toISOString(),
    lookbackDays: days,
    snapshotGen: state.gen,
    strategyRequested: request.strategy ?? "auto",
    options: {
      graceDays,
      windowDays: settings.windowDays,
      batchSize: deps.batchSize,
      exemptManagers: settings.exemptManagers,
    },
    candidates: subjects.candidates.length,
    exempt: subjects.exempt.length,
    activityRule: rule,
    timeZone: anyDays?.timeZone ?? null,
    fromDate: anyDays?.fromDate ?? null,
    toDate: anyDays?.toDate ?? null,
    requestsUsed: zoneMeter.total,
  });
  request.onProgress?.({
    phase: "preparing",
    done: 0,
    total: subjects.candidates.length,
    requestsUsed: 0,
    etaMs: null,
  });
  // In chunks, each its own transaction: the run is not `prepared` until every subject is written, and
  // a run that never got there is not resumed (the service fails it), so a part is never audited.
  const rows: (DirectoryPerson & { reason?: string; newcomer?: boolean })[] = [
    ...subjects.candidates,
    ...subjects.exempt,
  ];
  await inChunks(rows, (chunk) =>
    audits.insertSubjects(
      chunk.map((p) => ({
        ...subjectColumns(p),
        runId,
        ...(p.reason === undefined
          ? { kind: "candidate" as const }
          : { kind: "exempt" as const, reason: p.reason, newcomer: Boolean(p.newcomer) }),
      })),
    ),
  );
  const windows = splitWindowsNewestFirst(callsFrom, to, settings.windowDays);
  if (windows.length > 0)
    audits.insertWindows(
      windows.map((w, idx) => ({ runId, idx, fromAt: w.from.toISOString(), toAt: w.to.toISOString() })),
    );
  audits.update(runId, { prepared: true });
  log.info("audit started", {
    run: runId,
    days,
    activity: rule,
    ...(anyDays ? { timeZone: anyDays.timeZone, fromDate: anyDays.fromDate, toDate: anyDays.toDate } : {}),
    candidates: subjects.candidates.length,
    exempt: subjects.exempt.length,
  });
  return audits.get(runId)!;
}

function subjectColumns(p: InactiveUser) {
  return {
    userId: p.id,
    email: p.email,
    firstName: p.firstName,
    lastName: p.lastName,
    title: p.title,
    managerId: p.managerId,
    created: p.created,
  };
}

/** The directory sync an audit runs first, its progress shown as the audit's. */
async function syncFor(deps: PrepareDeps, request: AuditRequest): Promise<void> {
  request.onProgress?.({ phase: "syncing", done: 0, total: null, requestsUsed: 0, etaMs: null });
  await deps.sync.run({
    trigger: "audit",
    signal: request.signal,
    onProgress: (p: { done: number; total: number | null; requestsUsed: number }) =>
      request.onProgress?.({
        phase: "syncing",
        done: p.done,
        total: p.total,
        requestsUsed: p.requestsUsed,
        etaMs: null,
      }),
  });
}

function waitedOn(error: unknown): boolean {
  return (
    error instanceof GongQuotaExhaustedError ||
    error instanceof GongRetryAfterTooLongError ||
    error instanceof LockHeldError
  );
}
