import type { GongCall } from "../gong/schemas.js";
import type { TimeWindow } from "../gong/windows.js";

/**
 * What an audit knows at any moment, in memory: for each candidate, whether a hosted call was seen and
 * in which windows they were shown to have hosted none. Rebuilt from SQLite on resume; every change to
 * it is also written there by the service.
 *
 * A candidate is inactive exactly when no hosted call was seen and every window cleared them.
 */
export interface CandidateState {
  hosted: boolean;
  lastCallAt: number | null;
  clearedMask: number;
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
  readonly fullMask: number;

  constructor(
    readonly from: Date,
    readonly to: Date,
    readonly windows: AuditWindow[],
    candidates: Iterable<[string, CandidateState]>,
  ) {
    this.candidates = new Map(candidates);
    this.fullMask = 2 ** windows.length - 1;
  }

  /** Candidates still to be checked in window `idx`. */
  needs(idx: number): string[] {
    const bit = 2 ** idx;
    const out: string[] = [];
    for (const [id, c] of this.candidates) if (!c.hosted && (c.clearedMask & bit) === 0) out.push(id);
    return out;
  }
  settledCount(): number {
    let n = 0;
    for (const c of this.candidates.values()) if (c.hosted || c.clearedMask === this.fullMask) n++;
    return n;
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
    for (const [id, c] of this.candidates) if (!c.hosted && c.clearedMask === this.fullMask) out.push(id);
    return out;
  }
}
