import { formatInZone } from "./cron.js";
import type { ScheduleView } from "./schedules.service.js";

/** A schedule in words and as JSON, the same for both faces (Slack escapes what it shows). */
export function whatItRuns(s: ScheduleView): string {
  const days = s.options.days ? ` ${s.options.days} days` : "";
  const skip = s.options.skipIfUnchanged ? ", skipped when unchanged" : "";
  return s.kind === "sync" ? "directory sync" : `audit digest${days}${skip}`;
}

export function nextRunText(s: ScheduleView): string {
  return s.paused ? "paused" : s.nextRunAt ? formatInZone(s.nextRunAt, s.timezone) : "never";
}

export function statusText(s: ScheduleView): string {
  if (s.failing) return `FAILING: ${s.failing}`;
  return s.lastResult ?? "not run yet";
}

export function scheduleJson(s: ScheduleView) {
  return {
    id: s.id,
    kind: s.kind,
    cron: s.cron,
    timezone: s.timezone,
    channel: s.channel,
    options: s.options,
    createdBy: s.createdBy,
    createdAt: s.createdAt.toISOString(),
    paused: s.paused,
    nextRunAt: s.nextRunAt?.toISOString() ?? null,
    nextRun: nextRunText(s),
    lastRunAt: s.lastRunAt?.toISOString() ?? null,
    lastResult: s.lastResult,
    failing: s.failing,
    failingSince: s.failingSince?.toISOString() ?? null,
  };
}
