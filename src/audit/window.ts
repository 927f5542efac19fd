import type { GongClient } from "../gong/client.js";
import type { Logger } from "../log.js";
import { bulkWindow } from "./bulk.js";
import { perUserWindow } from "./perUser.js";
import { decideWindow } from "./planner.js";
import type { AuditRun } from "./run.js";
import type { AuditWindow } from "./state.js";

/**
 * One window of the call phase: asking about users, or listing every call, whichever the planner finds
 * cheaper from what is cheap to learn (the window's first page tells its total), switching when the
 * first page proves the guess wrong.
 */
export async function auditWindow(
  w: AuditRun,
  win: AuditWindow,
  deps: { batchSize: number; gong: GongClient; log: Logger },
): Promise<void> {
  const needs = w.state.needs(win.idx);
  if (needs.length === 0) {
    w.finishWindow(win, "skipped");
    return;
  }
  if (w.strategy === "bulk" || win.strategy === "bulk") return bulkWindow(w, win, null);
  if (w.strategy === "per-user") return perUserWindow(w, win, null);

  const decision = decideWindow({
    unresolved: needs.length,
    batchSize: deps.batchSize,
    knownTotal: win.totalRecords,
    pagesRead: 0,
    estimatedTotal: w.estimatedTotal(win),
    settledPerRequest: w.perUser.requests > 0 ? w.perUser.settled / w.perUser.requests : null,
  });
  deps.log.debug("audit window plan", {
    run: w.run.id,
    window: win.idx,
    unresolved: needs.length,
    decision,
  });
  if (decision === "per-user") return perUserWindow(w, win, null);
  if (decision === "bulk") return bulkWindow(w, win, null);
  // Probe: page one of the bulk listing tells the window's total.
  const probe = deps.gong.callPages({ from: win.from, to: win.to }, w.opts);
  const first = await w.timed(() => probe.next());
  w.recordWindowTotal(win, probe.totalRecords ?? 0);
  w.applyCalls(win, first ?? []);
  if (probe.done) {
    probe.ensureComplete();
    return w.completeWindow(win, "bulk");
  }
  const again = decideWindow({
    unresolved: w.state.needs(win.idx).length,
    batchSize: deps.batchSize,
    knownTotal: win.totalRecords,
    pagesRead: 1,
    estimatedTotal: null,
    settledPerRequest: w.perUser.requests > 0 ? w.perUser.settled / w.perUser.requests : null,
  });
  if (again === "bulk") return bulkWindow(w, win, probe);
  return perUserWindow(w, win, probe);
}

/** How the run's windows were read, in words: "bulk", or "mixed (bulk 2, per-user 1)". */
export function strategyUsed(
  windows: readonly { strategy: string | null }[],
  activityStrategy: string | null = null,
): string {
  const counts = new Map<string, number>();
  for (const w of windows)
    if (w.strategy && w.strategy !== "skipped") counts.set(w.strategy, (counts.get(w.strategy) ?? 0) + 1);
  const calls =
    counts.size === 0
      ? "none needed"
      : counts.size === 1
        ? [...counts.keys()][0]!
        : `mixed (${[...counts].map(([k, n]) => `${k} ${n}`).join(", ")})`;
  // "any" runs: how the statistics were read, then how today's calls were.
  return activityStrategy ? `activity ${activityStrategy}; calls ${calls}` : calls;
}
