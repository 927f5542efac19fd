/**
 * Calendar days in a Gong company's time zone. Gong's activity statistics take `fromDate`/`toDate` as
 * `YYYY-MM-DD` dates in the company's time zone (Gong's activity statistics contract), while calls
 * are instants: these helpers map one onto the other with the platform's IANA zone data (Intl), so a day
 * with a daylight-saving change is 23 or 25 hours long, as it is in Gong.
 */
export type IsoDate = string;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export function isIsoDate(value: string): boolean {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

/** The wall-clock fields of `instant` in `timeZone`, as if they were UTC (ms). */
function wallClock(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instant)))
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
}

/** The calendar date `instant` falls on in `timeZone`. */
export function zonedDate(instant: number | Date, timeZone: string): IsoDate {
  const t = typeof instant === "number" ? instant : instant.getTime();
  return new Date(wallClock(t, timeZone)).toISOString().slice(0, 10);
}

/** The first instant of `date` in `timeZone` (its midnight, or the first moment after a skipped one). */
export function startOfZonedDay(date: IsoDate, timeZone: string): number {
  if (!isIsoDate(date)) throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
  const midnightAsUtc = Date.parse(`${date}T00:00:00Z`);
  // Offset at a guess, then at the corrected instant (they differ only across a DST change).
  let t = midnightAsUtc - (wallClock(midnightAsUtc, timeZone) - midnightAsUtc);
  t = midnightAsUtc - (wallClock(t, timeZone) - t);
  // A zone whose DST change skips midnight: the day starts at the first instant that is on `date`.
  while (zonedDate(t, timeZone) < date) t += 15 * 60_000;
  while (zonedDate(t - 1, timeZone) === date) t -= 15 * 60_000;
  return t;
}

export function addDays(date: IsoDate, days: number): IsoDate {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** `instant` as ISO-8601 with the zone's offset, e.g. `2026-11-27T00:00:00-08:00`. */
export function zonedDateTime(instant: number, timeZone: string): string {
  const wall = wallClock(instant, timeZone);
  const offsetMin = Math.round((wall - Math.floor(instant / 1000) * 1000) / 60_000);
  const sign = offsetMin < 0 ? "-" : "+";
  const abs = Math.abs(offsetMin);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${new Date(wall).toISOString().slice(0, 19)}${sign}${hh}:${mm}`;
}

/** A look-back's days in a time zone (`lookBack`). */
export interface LookBack {
  timeZone: string;
  /** The first day, counted whole. */
  firstDay: IsoDate;
  /** Today at `now`, counted up to `now`. */
  lastDay: IsoDate;
}

/**
 * The days a look-back of `days` days covers at `now`, in `timeZone` (Gong's company zone): today, up
 * to now, and the `days` whole calendar days before it (a DST change or 29 February shortens none of
 * them); and the day before those too when the last `days` × 24 hours reach into it (clocks went
 * forward in between, and it is just past midnight). So the first day counts whole and holds every
 * instant of the last `days` × 24 hours: nobody is flagged for activity an hour too early to count. The
 * one rule for every place that counts or states a look-back (the audit, the user card, the digest, the
 * README's "What inactive means").
 */
export function lookBack(now: number | Date, days: number, timeZone: string): LookBack {
  if (!Number.isInteger(days) || days < 1)
    throw new RangeError(`a look-back is a whole number of days, at least 1: got ${days}`);
  const t = typeof now === "number" ? now : now.getTime();
  const lastDay = zonedDate(t, timeZone);
  const calendar = addDays(lastDay, -days);
  const reached = zonedDate(t - days * 86_400_000, timeZone);
  return { timeZone, firstDay: [reached, calendar].sort()[0]!, lastDay };
}

/** A look-back as every message states it: "2026-09-03 to 2026-12-02 (America/Los_Angeles)". */
export function lookBackWords(l: LookBack): string {
  return `${l.firstDay} to ${l.lastDay} (${l.timeZone})`;
}
