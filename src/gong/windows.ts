/**
 * Date windows for /v2/calls. The seed caps one request at 90 days (a setting); public docs document no
 * cap, so longer ranges are always split. `to` is exclusive, like Gong's `toDateTime`, so consecutive
 * windows share a boundary instant without overlapping or leaving a gap.
 */
export interface TimeWindow {
  from: Date;
  to: Date;
}

export const DAY_MS = 86_400_000;

export function splitWindows(from: Date, to: Date, maxDays: number): TimeWindow[] {
  if (!(maxDays > 0)) throw new RangeError(`window size must be positive, got ${maxDays}`);
  const start = from.getTime();
  const end = to.getTime();
  if (!(end > start)) return [];
  const step = maxDays * DAY_MS;
  const windows: TimeWindow[] = [];
  for (let t = start; t < end; t += step)
    windows.push({ from: new Date(t), to: new Date(Math.min(t + step, end)) });
  return windows;
}

/**
 * The same windows cut from the newest end: full windows first, the remainder (if any) oldest. Audits
 * use this: the newest window settles most users, so it should be a full one.
 */
export function splitWindowsNewestFirst(from: Date, to: Date, maxDays: number): TimeWindow[] {
  if (!(maxDays > 0)) throw new RangeError(`window size must be positive, got ${maxDays}`);
  const start = from.getTime();
  const step = maxDays * DAY_MS;
  const windows: TimeWindow[] = [];
  for (let t = to.getTime(); t > start; t -= step)
    windows.push({ from: new Date(Math.max(start, t - step)), to: new Date(t) });
  return windows;
}

/** ISO-8601 as Gong documents it (`2024-01-01T00:00:00Z`); milliseconds only when there are some. */
export function gongDateTime(d: Date): string {
  const iso = d.toISOString();
  return iso.endsWith(".000Z") ? `${iso.slice(0, -5)}Z` : iso;
}

export function windowDays(w: TimeWindow): number {
  return (w.to.getTime() - w.from.getTime()) / DAY_MS;
}
