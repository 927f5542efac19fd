import { ActivityService, activityDays, describeActivity } from "../audit/activity.js";
import { describeDays } from "../audit/report.js";
import { GongopsError } from "../errors.js";
import { addDays } from "../gong/days.js";
import { GongAuthError } from "../gong/errors.js";
import { type ActivityCounts, activityCounts, hasActivity } from "../gong/schemas.js";
import type { AuditRunRow } from "../store/audits.repo.js";
import type { ApprovalsCore } from "./core.js";
import { DAY_MS } from "./types.js";

/**
 * What a subject was filed on, kept on the subject: the audit that found them inactive under its own
 * rule and look-back, or (a direct filing) their own check, made now over the look-back and rule an
 * audit would use. A direct filing of someone the check finds active needs --force, and says why.
 */
export interface Evidence {
  auditRunId: number | null;
  /** The end of the evidence: activity after it means they came back. */
  activitySince: string;
  lookbackDays: number;
  /** In words, for the approver and the trail. */
  words: string;
}

/** The evidence an audit gives for the users it found inactive. */
export function auditEvidence(run: AuditRunRow, callsFrom: string): Evidence {
  return {
    auditRunId: run.id,
    activitySince: run.toAt,
    lookbackDays: run.lookbackDays,
    words: `audit #${run.id} (the ${run.activityRule} rule) found none of: ${describeDays(run, callsFrom)}`,
  };
}

/** One person's own check: whether they were active in the look-back, and what that was. */
export interface OwnCheck extends Evidence {
  active: boolean;
  /** What the activity was ("hosted a call on 2026-11-20; listened to 3 calls"), or "no activity". */
  activity: string;
}

const BATCH = 100;

/**
 * Checks each user's own activity now: hosted calls over the look-back, and under the "any" rule Gong's
 * activity statistics over its whole days (when the credentials may read them; otherwise it says so).
 */
export async function checkOwnActivity(
  core: ApprovalsCore,
  userIds: readonly string[],
): Promise<Map<string, OwnCheck>> {
  const out = new Map<string, OwnCheck>();
  const gong = core.deps.gong;
  const days = core.deps.lookbackDays ?? 90;
  const rule = core.deps.activityRule ?? "hosted";
  const now = core.now();
  const from = new Date(now.getTime() - days * DAY_MS);
  if (userIds.length === 0) return out;
  if (!gong) {
    for (const id of userIds)
      out.set(id, {
        auditRunId: null,
        activitySince: now.toISOString(),
        lookbackDays: days,
        active: false,
        activity: "not checked",
        words: "not checked: gongops has no Gong connection here",
      });
    return out;
  }
  const hosted = new Map<string, string>();
  for await (const call of gong.callsExtensive({ from, to: now, primaryUserIds: [...userIds] })) {
    const at = call.started ?? call.scheduled ?? "";
    const id = call.primaryUserId;
    if (id && userIds.includes(id) && at >= (hosted.get(id) ?? "")) hosted.set(id, at);
  }
  let stats: { counts: Map<string, ActivityCounts>; days: string } | { unavailable: string } | null = null;
  if (rule === "any") {
    try {
      // The app's one ActivityService knows the company's zone once it was asked (one request).
      const zone = await (
        core.deps.activity ?? new ActivityService({ gong, days, clock: core.clock })
      ).timeZone();
      const d = activityDays(now, days, zone);
      const counts = new Map<string, ActivityCounts>();
      for (let i = 0; i < userIds.length; i += BATCH) {
        const batch = userIds.slice(i, i + BATCH);
        const pager = gong.activityPages({ fromDate: d.fromDate, toDate: d.toDate, userIds: batch });
        for await (const r of pager) if (batch.includes(r.userId)) counts.set(r.userId, activityCounts(r));
        pager.ensureComplete();
      }
      stats = { counts, days: `${d.fromDate} to ${addDays(d.toDate, -1)} in ${zone}` };
    } catch (error) {
      if (error instanceof GongAuthError)
        stats = { unavailable: "Gong's activity statistics are not readable with these credentials" };
      else if (error instanceof GongopsError && error.code === "GONG_INVALID_RESPONSE")
        // No time zone: the statistics list no activity at all in the company, so hosted calls decide.
        stats = { unavailable: "Gong's activity statistics list no activity at all in the last 90 days" };
      else throw error;
    }
  }
  const span = `from ${from.toISOString()} to ${now.toISOString()}`;
  for (const id of userIds) {
    const parts: string[] = [];
    const call = hosted.get(id);
    if (call !== undefined) parts.push(`hosted a call on ${call ? call.slice(0, 10) : "an unknown date"}`);
    const counts = stats && "counts" in stats ? stats.counts.get(id) : undefined;
    const other =
      counts && hasActivity(counts) ? describeActivity(counts, { exceptHosting: call !== undefined }) : "";
    if (other && other !== "no activity") parts.push(other);
    const checked =
      stats && "days" in stats
        ? `any activity on the whole days ${stats.days} (Gong's activity statistics), and calls hosted ${span}`
        : `calls hosted ${span}${stats && "unavailable" in stats ? ` (${stats.unavailable}: hosted calls only)` : ""}`;
    const active = parts.length > 0;
    out.set(id, {
      auditRunId: null,
      activitySince: now.toISOString(),
      lookbackDays: days,
      active,
      activity: active ? parts.join(", ") : "no activity",
      words: active
        ? `their own check found activity in the last ${days} days: ${parts.join(", ")}`
        : `their own check found none of: ${checked}`,
    });
  }
  return out;
}
