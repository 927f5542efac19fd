import {
  type ActivityCounts,
  activityCounts,
  type GongCall,
  hasActivity,
  type UserActivityRecord,
} from "../gong/schemas.js";
import type { TimeWindow } from "../gong/windows.js";

/**
 * What an audit knows at any moment, in memory: for each candidate, whether a hosted call was seen and
 * in which windows they were shown to have hosted none. Rebuilt from SQLite on resume; every change to
 * it is also written there by the service.
 *
 * Under the "hosted" rule a candidate is inactive exactly when no hosted call was seen and every window
 * cleared them. Under "any", also: Gong's activity statistics answered for them (`checked`) and showed
 * nothing (`activity` false). The windows of an "any" run cover only the part of the look-back after
 * the statistics' last day; the statistics cover the rest.
 */
export type ActivityRule = "hosted" | "any";

export interface CandidateState {
  hosted: boolean;
  lastCallAt: number | null;
  clearedMask: number;
  /** "any": the activity statistics show activity. */
  activity?: boolean;
  /** "any": the activity statistics answered for this user. */
  checked?: boolean;
}

export interface AuditWindow extends TimeWindow {
  idx: number;
  done: boolean;
  strategy: "per-user" | "bulk" | "skipped" | null;
  totalRecords: number | null;
  slices: number | null;
  slicesDone: number;
}

/** The instant a call counts at: Gong filters web conferences by their scheduled time, others by start. */
export function callTimes(call: GongCall): number[] {
  return [call.scheduled, call.started].filter((t): t is string => Boolean(t)).map((t) => Date.parse(t));
}

export class AuditState {
  readonly candidates: Map<string, CandidateState>;
  /**
   * Newcomers set aside as new whose activity statistics are read with the candidates' ("any" runs),
   * to find those who never started (leavers/). Never flagged, never settled, never counted.
   */
  readonly newcomers: Map<string, CandidateState>;
  readonly fullMask: number;

  constructor(
    readonly from: Date,
    readonly to: Date,
    readonly windows: AuditWindow[],
    candidates: Iterable<[string, CandidateState]>,
    readonly rule: ActivityRule = "hosted",
    newcomers: Iterable<[string, CandidateState]> = [],
  ) {
    this.candidates = new Map(candidates);
    this.newcomers = new Map(newcomers);
    this.fullMask = 2 ** windows.length - 1;
  }

  /** A candidate, or a newcomer (whose activity is asked about too). */
  private asked(id: string): CandidateState | undefined {
    return this.candidates.get(id) ?? this.newcomers.get(id);
  }

  /** Candidates still to be checked in window `idx`. */
  needs(idx: number): string[] {
    const bit = 2 ** idx;
    const out: string[] = [];
    for (const [id, c] of this.candidates)
      if (!c.hosted && !c.activity && (c.clearedMask & bit) === 0) out.push(id);
    return out;
  }

  /** Known to be active, or known to be inactive. */
  isSettled(c: CandidateState): boolean {
    if (c.hosted || c.activity) return true;
    return c.clearedMask === this.fullMask && (this.rule === "hosted" || c.checked === true);
  }

  settledCount(): number {
    let n = 0;
    for (const c of this.candidates.values()) if (this.isSettled(c)) n++;
    return n;
  }

  /**
   * "any": candidates the activity statistics have not answered for yet, and newcomers with them. The
   * newcomers ride along only while candidates are asked about anyway: a run with nothing to ask for
   * its candidates makes no request for newcomers alone.
   */
  unchecked(): string[] {
    const out: string[] = [];
    for (const [id, c] of this.candidates) if (!c.checked && !c.hosted) out.push(id);
    if (out.length > 0) for (const [id, c] of this.newcomers) if (!c.checked) out.push(id);
    return out;
  }

  /**
   * Applies activity records. Every record counts for its own userId, whatever the request asked for;
   * users who are neither candidates nor newcomers are ignored. Returns what to save.
   */
  observeActivity(
    records: readonly UserActivityRecord[],
  ): { userId: string; counts: ActivityCounts; seen: boolean }[] {
    const out: { userId: string; counts: ActivityCounts; seen: boolean }[] = [];
    for (const r of records) {
      const c = this.asked(r.userId);
      if (!c) continue;
      const counts = activityCounts(r);
      const seen = hasActivity(counts);
      c.checked = true;
      c.activity = Boolean(c.activity) || seen;
      out.push({ userId: r.userId, counts, seen });
    }
    return out;
  }

  /** Users a complete answer did not list: checked, with no activity. Returns those it changed. */
  noActivity(ids: readonly string[]): string[] {
    const changed: string[] = [];
    for (const id of ids) {
      const c = this.asked(id);
      if (!c || c.checked) continue;
      c.checked = true;
      changed.push(id);
    }
    return changed;
  }

  /**
   * Applies a page of calls. Every call counts by its own primaryUserId, whatever the request asked for,
   * and only if one of its times falls in the look-back [from, to): a server that filters loosely cannot
   * make a call outside the window count. Returns the candidates newly seen hosting (with the time).
   */
  observe(calls: readonly GongCall[]): { userId: string; lastCallAt: string }[] {
    const from = this.from.getTime();
    const to = this.to.getTime();
    const found = new Map<string, number>();
    for (const call of calls) {
      const host = call.primaryUserId;
      if (!host) continue;
      const c = this.candidates.get(host);
      if (!c) continue;
      const times = callTimes(call);
      const inside = times.length === 0 ? [to - 1] : times.filter((t) => t >= from && t < to);
      if (inside.length === 0) continue;
      const at = Math.max(...inside);
      if (!c.hosted || (c.lastCallAt ?? 0) < at) {
        c.hosted = true;
        c.lastCallAt = Math.max(c.lastCallAt ?? 0, at);
        found.set(host, c.lastCallAt);
      }
    }
    return [...found].map(([userId, at]) => ({ userId, lastCallAt: new Date(at).toISOString() }));
  }

  /** Marks `ids` as shown to have hosted no call in window `idx`; returns those it changed. */
  clear(idx: number, ids: readonly string[]): string[] {
    const bit = 2 ** idx;
    const changed: string[] = [];
    for (const id of ids) {
      const c = this.candidates.get(id);
      if (!c || c.hosted || (c.clearedMask & bit) !== 0) continue;
      c.clearedMask |= bit;
      changed.push(id);
    }
    return changed;
  }

  inactive(): string[] {
    const out: string[] = [];
    for (const [id, c] of this.candidates) if (!c.hosted && !c.activity && this.isSettled(c)) out.push(id);
    return out;
  }
}
