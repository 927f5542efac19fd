import { GongopsError } from "../errors.js";
import type { ActivityPager, ActivityQuery } from "../gong/client.js";
import type { UserActivityRecord } from "../gong/schemas.js";
import { inChunks } from "../pace.js";
import { LeaseLostError } from "../store/locks.repo.js";
import { activityPerUserCost, decideActivity } from "./planner.js";
import type { AuditRun } from "./run.js";

/** The "any" rule's path: Gong's activity statistics for every candidate. */

/**
 * Reads the activity statistics for every candidate: one listing of everyone with activity, or the
 * candidates in batches, whichever the planner finds cheaper (a first page of the listing tells its
 * size). Only a complete answer shows that someone did nothing; a resumed run asks only about the
 * candidates not answered for yet.
 */
export async function activityPhase(run: AuditRun): Promise<void> {
  const { audits, gong, log } = run.deps;
  const row = run.run;
  const query: ActivityQuery = { fromDate: row.fromDate!, toDate: row.toDate! };
  let probe: ActivityPager | null = null;
  let strategy: "bulk" | "per-user" | null =
    run.strategy === "bulk" ? "bulk" : run.strategy === "per-user" ? "per-user" : null;
  const plan = (knownTotal: number | null, pagesRead: number) =>
    decideActivity({
      unchecked: run.state.unchecked().length,
      batchSize: run.deps.batchSize,
      activeUsers: row.candidates + row.exempt,
      knownTotal,
      pagesRead,
    });
  if (run.state.unchecked().length === 0) {
    // Nobody left to ask about (no candidates, or a resumed run that had asked about everyone).
    audits.update(row.id, { activityDone: true, activityStrategy: row.activityStrategy ?? "per-user" });
    return;
  }
  if (!strategy) {
    let decision = plan(null, 0);
    if (decision === "probe") {
      probe = gong.activityPages(query, run.opts);
      const first = await run.timed(() => probe!.next());
      applyActivity(run, probe, first ?? [], []);
      decision = probe.done ? "bulk" : plan(probe.totalRecords ?? 0, 1);
    }
    strategy = decision === "per-user" ? "per-user" : "bulk";
    log.debug("audit activity plan", {
      run: row.id,
      unchecked: run.state.unchecked().length,
      total: probe?.totalRecords ?? null,
      perUser: activityPerUserCost(run.state.unchecked().length, run.deps.batchSize),
      strategy,
    });
  }
  audits.update(row.id, { activityStrategy: strategy });
  if (strategy === "bulk") {
    const pager = probe ?? gong.activityPages(query, run.opts);
    for (let page = await run.timed(() => pager.next()); page !== null; page = await pager.next())
      applyActivity(run, pager, page, []);
    pager.ensureComplete();
    // The whole listing was read: whoever it did not list did nothing on those days. Saved in chunks:
    // each is true on its own, and a run stopped between two asks only about those still unchecked.
    await inChunks(run.state.unchecked(), (ids) => applyActivity(run, pager, [], ids));
  } else await activityPerUser(run, query);
  if (run.state.unchecked().length > 0)
    throw new GongopsError("INTERNAL", `audit ${row.id}: activity statistics left users unanswered`);
  audits.update(row.id, { activityDone: true });
}

/** The unchecked candidates in batches, a few at once; each batch's answer is read to its end. */
export async function activityPerUser(run: AuditRun, query: ActivityQuery): Promise<void> {
  const pool = run.state.unchecked();
  let failure: unknown = null;
  const worker = async () => {
    while (pool.length > 0 && failure === null) {
      const batch = pool.splice(0, run.deps.batchSize);
      try {
        const pager = run.deps.gong.activityPages({ ...query, userIds: batch }, run.opts);
        const records: UserActivityRecord[] = [];
        for (let page = await run.timed(() => pager.next()); page !== null; page = await pager.next())
          records.push(...page);
        pager.ensureComplete();
        const listed = new Set(records.map((r) => r.userId));
        applyActivity(
          run,
          pager,
          records,
          batch.filter((id) => !listed.has(id)),
        );
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(run.deps.settings.maxConcurrent, pool.length) }, worker));
  if (failure !== null) throw failure;
}

/** Saves an answer's evidence with the requests spent since the last save, in one transaction. */
export function applyActivity(
  run: AuditRun,
  pager: ActivityPager,
  records: readonly UserActivityRecord[],
  none: readonly string[],
): void {
  // The days were computed in the zone Gong named when the run started; another zone means other days.
  if (pager.timeZone && pager.timeZone !== run.run.timeZone) {
    run.deps.activity.forget(); // a new audit learns the new zone
    throw new GongopsError(
      "GONG_INVALID_RESPONSE",
      `Gong now counts days in ${pager.timeZone}, but audit ${run.run.id} was planned in ${run.run.timeZone}; start a new audit`,
    );
  }
  const listed = run.state.observeActivity(records);
  const cleared = run.state.noActivity(none);
  const requests = run.meter.total - run.persisted;
  if ((listed.length > 0 || cleared.length > 0) && !run.held())
    throw new LeaseLostError("inactive-user audit");
  run.deps.audits.recordActivity(run.run.id, { listed, none: cleared, requests });
  run.persisted += requests;
  run.progress("checking activity");
}
