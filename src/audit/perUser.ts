import type { Pager } from "../gong/client.js";
import { GongAuthError } from "../gong/errors.js";
import type { GongCall } from "../gong/schemas.js";
import { bulkWindow } from "./bulk.js";
import { shouldSwitchToBulk } from "./planner.js";
import type { AuditRun } from "./run.js";
import type { AuditWindow } from "./state.js";

/** The per-user path of the audit: asking about candidates in batches (POST /v2/calls/extensive). */

/**
 * Asks about unresolved users in batches, a first page each. A batch whose calls fit in one page is
 * settled whole; otherwise the users seen hosting are settled and the rest go back in the pool to be
 * batched again (cheaper than following the cursor, whose next page may hold only settled users).
 */
export async function perUserWindow(
  run: AuditRun,
  win: AuditWindow,
  probe: Pager<GongCall> | null,
): Promise<void> {
  const { audits, settings, log } = run.deps;
  win.strategy = "per-user";
  audits.updateWindow(run.run.id, win.idx, { strategy: "per-user" });
  const pool = run.state.needs(win.idx);
  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  let switchToBulk = false;
  let windowRequests = 0;
  let windowSettled = 0;

  const ask = async (batch: string[]) => {
    const pager = run.deps.gong.callPages({ from: win.from, to: win.to, primaryUserIds: batch }, run.opts);
    const calls = (await run.timed(() => pager.next())) ?? [];
    const asked = new Set(batch);
    const ignoredFilter = calls.some((c) => c.primaryUserId && !asked.has(c.primaryUserId));
    const found = run.state.observe(calls);
    const openOf = () => batch.filter((id) => !run.state.candidates.get(id)!.hosted);
    // A page that settles nobody (its calls all fall outside the look-back, or name no host) would put
    // the same users back in the pool forever: follow this batch's own cursor until someone settles or
    // its calls run out.
    while (!ignoredFilter && !pager.done && openOf().length === batch.length) {
      found.push(...run.state.observe((await pager.next()) ?? []));
    }
    const open = openOf();
    let cleared: string[] = [];
    if (pager.done) {
      pager.ensureComplete();
      cleared = run.state.clear(win.idx, open);
    } else pool.push(...open);
    run.flush(cleared.length ? { windowIdx: win.idx, userIds: cleared } : null, found, win.idx);
    const settled = batch.length - (pager.done ? 0 : open.length);
    windowRequests++;
    windowSettled += settled;
    run.perUser.requests++;
    run.perUser.settled += settled;
    if (ignoredFilter && settled === 0) {
      log.warn(
        "Gong ignored primaryUserIds on /v2/calls/extensive; finishing the window by listing every call",
        {
          window: win.idx,
        },
      );
      switchToBulk = true;
    } else if (
      run.strategy === "auto" &&
      windowRequests >= 3 &&
      shouldSwitchToBulk(
        pool.length,
        run.deps.batchSize,
        windowSettled / windowRequests,
        win.totalRecords,
        probe ? probe.pages : 0,
      )
    ) {
      log.info("per-user costs more than listing here; switching this window to bulk", { window: win.idx });
      switchToBulk = true;
    }
    run.progress("checking calls", win);
  };

  while ((pool.length > 0 && !switchToBulk && !failure) || inFlight.size > 0) {
    while (pool.length > 0 && !switchToBulk && !failure && inFlight.size < settings.maxConcurrent) {
      const batch = pool.splice(0, run.deps.batchSize);
      const task: Promise<void> = ask(batch)
        .catch((error: unknown) => {
          if (error instanceof GongAuthError && error.path.endsWith("/calls/extensive")) {
            log.warn(
              "POST /v2/calls/extensive is not allowed for these credentials; listing every call instead",
            );
            pool.push(...batch.filter((id) => !run.state.candidates.get(id)!.hosted));
            switchToBulk = true;
            return;
          }
          failure ??= error;
        })
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
    if (inFlight.size > 0) await Promise.race(inFlight);
  }
  if (failure) throw failure;
  if (switchToBulk && run.state.needs(win.idx).length > 0) {
    const fresh = probe && !probe.done ? probe : null;
    return bulkWindow(run, win, fresh);
  }
  return run.completeWindow(win, "per-user");
}
