import { Cron } from "croner";
import { UsageError } from "../errors.js";
import { zoneProblem } from "./zones.js";

/**
 * Schedule math, pure and on a passed-in clock: parsing a cron in an IANA zone (croner), the next runs,
 * and which slot, if any, is due now. Model: bolt-js verify-request (the clock is an argument).
 */
export const EXAMPLE_CRON = "0 9 * * MON";
export const EXAMPLE_ZONE = "Europe/Berlin";

function pattern(cron: string, timezone: string): Cron {
  return new Cron(cron, { timezone, paused: true });
}

/** The next `n` run times after `from`, for a pattern known to be valid. */
export function nextRuns(cron: string, timezone: string, from: Date, n: number): Date[] {
  return pattern(cron, timezone).nextRuns(n, from);
}

/** A cron in a zone, or a UsageError that shows a correct example with its next three run times. */
export function parseCron(cron: string, timezone: string, now: Date): { cron: string; timezone: string } {
  const c = cron.trim().replace(/\s+/g, " ");
  const example = () => {
    const runs = nextRuns(EXAMPLE_CRON, EXAMPLE_ZONE, now, 3).map((d) => formatInZone(d, EXAMPLE_ZONE));
    return ` For example "${EXAMPLE_CRON}" in ${EXAMPLE_ZONE} (Mondays at 09:00) runs next at ${runs.join(", ")}.`;
  };
  const zone = zoneProblem(timezone);
  if (zone) throw new UsageError(`${zone.why}.${zone.suggests ? "" : example()}`);
  if (c.split(" ").length !== 5)
    throw new UsageError(
      `"${cron}" is not a cron: it takes five fields, minute hour day-of-month month day-of-week.${example()}`,
    );
  let next: Date | null;
  try {
    next = pattern(c, timezone).nextRun(now);
  } catch (error) {
    const why = (error as Error).message.replace(/^CronPattern: /, "");
    throw new UsageError(`"${cron}" is not a valid cron (${why}).${example()}`);
  }
  if (!next) throw new UsageError(`"${cron}" never runs.${example()}`);
  return { cron: c, timezone };
}

/** The zone's short name at `d` (CEST, EST), or its offset (GMT+8) where the zone has no common name. */
function zoneName(d: Date, timezone: string): string {
  const name = (locale: string) =>
    new Intl.DateTimeFormat(locale, { timeZone: timezone, timeZoneName: "short" })
      .formatToParts(d)
      .find((p) => p.type === "timeZoneName")?.value ?? "";
  const gb = name("en-GB");
  if (!/^(GMT|UTC)[+-]/.test(gb)) return gb;
  const us = name("en-US");
  return /^(GMT|UTC)[+-]/.test(us) ? gb : us;
}

/** "Mon 2026-03-30 09:00 CEST" in the schedule's zone. */
export function formatInZone(d: Date, timezone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: timezone,
      weekday: "short",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.weekday} ${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${zoneName(d, timezone)}`;
}

export type DueDecision =
  | { kind: "none"; next: Date | null }
  /** The newest slot at or before now (older ones missed in downtime are never run). */
  | { kind: "run"; dueAt: Date; delayed: boolean }
  /** The newest slot is older than the longest allowed lateness: nothing runs, the slot is passed over. */
  | { kind: "too-late"; dueAt: Date };

/**
 * What the tick does for one schedule: slots after `after` (the last one dealt with, or the creation
 * time) up to `now` collapse into the newest one; it runs once, marked delayed when it is later than
 * `toleranceMs`, or not at all when later than `maxLateMs`. Never one run per missed slot.
 */
export function dueSlot(
  s: { cron: string; timezone: string },
  after: Date,
  now: Date,
  maxLateMs: number,
  toleranceMs = 60_000,
): DueDecision {
  const p = pattern(s.cron, s.timezone);
  const first = p.nextRun(after);
  if (!first || first.getTime() > now.getTime()) return { kind: "none", next: first };
  // The newest slot <= now. croner's previousRuns finds it in one step (it skips the reference's own
  // second, hence the look a second ahead); it is checked, and stepping from `first` is the fallback.
  const nowMs = now.getTime();
  let latest = first;
  let guess: Date | undefined;
  try {
    guess = p
      .previousRuns(2, new Date(nowMs + 1000))
      .filter((d) => d.getTime() <= nowMs && d.getTime() >= first.getTime())
      .sort((a, b) => b.getTime() - a.getTime())[0];
  } catch {
    // croner 10 throws here inside an autumn DST overlap (an hour that happens twice): step instead.
    guess = undefined;
  }
  // Trusted only when nextRun agrees it is a slot and the newest one (they differ inside a DST gap).
  const isSlot = guess ? p.nextRun(new Date(guess.getTime() - 1000))?.getTime() === guess.getTime() : false;
  const next = guess && isSlot ? p.nextRun(guess) : null;
  if (guess && isSlot && (!next || next.getTime() > nowMs)) latest = guess;
  else {
    // Long outages of frequent crons: start close to now rather than at the first missed slot.
    const near = Number.isFinite(maxLateMs) ? p.nextRun(new Date(nowMs - maxLateMs - 60_000)) : null;
    if (near && near.getTime() > latest.getTime() && near.getTime() <= nowMs) latest = near;
    for (let n = p.nextRun(latest); n && n.getTime() <= nowMs; n = p.nextRun(latest)) latest = n;
  }
  const late = now.getTime() - latest.getTime();
  if (late > maxLateMs) return { kind: "too-late", dueAt: latest };
  return { kind: "run", dueAt: latest, delayed: late > toleranceMs };
}
