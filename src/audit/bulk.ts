import type { Pager } from "../gong/client.js";
import type { GongCall } from "../gong/schemas.js";
import { bulkCost } from "./planner.js";
import type { AuditRun } from "./run.js";
import type { AuditWindow } from "./state.js";

/**
 * The bulk path of the audit: listing every call of a window (GET /v2/calls), cut into time slices
 * when one listing could not keep up with the rate limit or would outlive a cursor.
 */

/** Bulk pages a slice should at least hold before a window is split for parallel listing. */
const MIN_SLICE_PAGES = 20;
/**
 * Longest a single bulk listing should take at the rate limit: Gong's cursors expire about an hour after
 * a listing's first page, and an expired one means starting that listing over.
 */
const LISTING_BUDGET_S = 20 * 60;

/**
 * Lists every call of the window. A window with many pages is cut into time slices: enough to keep up
 * with the rate limit when one listing could not (pages come one after another), and small enough
 * that each listing ends well within a cursor's life (about an hour from its first page). Each slice
 * is recorded when done, so a resume lists only the rest.
 */
export async function bulkWindow(
  run: AuditRun,
  win: AuditWindow,
  probe: Pager<GongCall> | null,
): Promise<void> {
  const { gong, audits } = run.deps;
  win.strategy = "bulk";
  audits.updateWindow(run.run.id, win.idx, { strategy: "bulk" });
  if (win.slices === null) {
    let pager = probe;
    if (!pager) {
      pager = gong.callPages({ from: win.from, to: win.to }, run.opts);
      const first = await run.timed(() => pager!.next());
      run.recordWindowTotal(win, pager.totalRecords ?? 0);
      run.applyCalls(win, first ?? []);
    }
    const slices = pager.done ? 1 : slicing(run, bulkCost(win.totalRecords ?? 0)).slices;
    if (slices <= 1) {
      for (let page = await pager.next(); page !== null; page = await pager.next()) run.applyCalls(win, page);
      pager.ensureComplete();
      return run.completeWindow(win, "bulk");
    }
    win.slices = slices;
    audits.updateWindow(run.run.id, win.idx, { slices });
  }
  await listSlices(run, win);
  return run.completeWindow(win, "bulk");
}

/** How many slices for a bulk window of `pages` pages, and how many to list at once. */
export function slicing(run: AuditRun, pages: number): { slices: number; parallel: number } {
  const { maxRps, maxConcurrent } = run.deps.settings;
  const chains = (maxRps * run.minLatencyMs) / 1000;
  const parallel = chains > 0.8 ? Math.max(1, Math.min(maxConcurrent, Math.ceil(chains * 1.2))) : 1;
  const forSpeed = parallel > 1 ? Math.min(parallel, Math.floor(pages / MIN_SLICE_PAGES)) : 1;
  // Parallel listings share the rate: each gets maxRps / parallel pages a second.
  const pagesPerListing = Math.max(MIN_SLICE_PAGES, Math.floor((maxRps / parallel) * LISTING_BUDGET_S));
  return { slices: Math.max(1, forSpeed, Math.ceil(pages / pagesPerListing)), parallel };
}

/** Lists the slices not yet done, `parallel` at a time; the first failure stops the others. */
export async function listSlices(run: AuditRun, win: AuditWindow): Promise<void> {
  const slices = win.slices!;
  const { parallel } = slicing(run, bulkCost(win.totalRecords ?? 0));
  const span = win.to.getTime() - win.from.getTime();
  const edge = (i: number) => new Date(win.from.getTime() + Math.round((span * i) / slices));
  const todo = Array.from({ length: slices }, (_, i) => i).filter((i) => (win.slicesDone & (2 ** i)) === 0);
  const stop = new AbortController();
  const signal = run.opts.signal ? AbortSignal.any([run.opts.signal, stop.signal]) : stop.signal;
  let failure: unknown = null;
  const worker = async () => {
    while (todo.length > 0 && failure === null) {
      const i = todo.shift()!;
      try {
        const pager = run.deps.gong.callPages({ from: edge(i), to: edge(i + 1) }, { ...run.opts, signal });
        for (let page = await pager.next(); page !== null; page = await pager.next())
          run.applyCalls(win, page);
        pager.ensureComplete();
        win.slicesDone |= 2 ** i;
        run.deps.audits.updateWindow(run.run.id, win.idx, { slicesDone: win.slicesDone });
      } catch (error) {
        failure ??= error;
        stop.abort(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, todo.length) }, worker));
  if (failure !== null) throw failure;
}
