/**
 * Seats gongops reclaimed, from the approvals trail: a subject counts from its finished deactivation
 * (`executing → done`, or `awaiting_idp → done` once a sync confirmed an IdP or manual removal) until it
 * is reactivated (`done → reactivated`). Dry runs reclaim nothing: their requests are marked so, and a
 * dry run under GONGOPS_DRY_RUN goes `approved → done` without a change, a move no real deactivation makes.
 */
export interface DeactivationMove {
  subjectId: number;
  /** ISO instant of the move. */
  at: string;
  fromState: string | null;
  toState: "done" | "reactivated";
  dryRun: boolean;
}

/** A reclaimed seat's life: deactivated at `from`, reactivated at `to` (null while still off). */
export interface ReclaimedSeat {
  subjectId: number;
  from: number;
  to: number | null;
}

const REAL_DONE_FROM = new Set(["executing", "awaiting_idp"]);

/** Every seat a real deactivation freed, with when (and whether) it was given back. */
export function reclaimedSeats(moves: readonly DeactivationMove[]): ReclaimedSeat[] {
  const seats = new Map<number, ReclaimedSeat>();
  for (const m of moves) {
    if (m.dryRun || m.fromState === m.toState) continue;
    const at = Date.parse(m.at);
    if (m.toState === "done" && m.fromState !== null && REAL_DONE_FROM.has(m.fromState))
      seats.set(m.subjectId, { subjectId: m.subjectId, from: at, to: null });
    else if (m.toState === "reactivated" && m.fromState === "done") {
      const seat = seats.get(m.subjectId);
      if (seat && seat.to === null) seat.to = at;
    }
  }
  return [...seats.values()];
}

/** Seats reclaimed and still off at `instant` (ms). */
export function reclaimedAt(seats: readonly ReclaimedSeat[], instant: number): number {
  return seats.filter((s) => s.from <= instant && (s.to === null || s.to > instant)).length;
}

/** Monday (UTC) of the week an instant falls in, `YYYY-MM-DD`. */
export function weekOf(ms: number): string {
  const d = new Date(ms);
  const monday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return new Date(monday).toISOString().slice(0, 10);
}

/** Deactivations finished per week (Monday, UTC), for the weeks from `fromMs` on, oldest first. */
export function deactivationsPerWeek(
  seats: readonly ReclaimedSeat[],
  fromMs: number,
): { week: string; deactivated: number }[] {
  const weeks = new Map<string, number>();
  for (const s of seats) {
    if (s.from < fromMs) continue;
    const week = weekOf(s.from);
    weeks.set(week, (weeks.get(week) ?? 0) + 1);
  }
  return [...weeks]
    .map(([week, deactivated]) => ({ week, deactivated }))
    .sort((a, b) => a.week.localeCompare(b.week));
}
