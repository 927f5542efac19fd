import { type Clock, nowDate } from "../clock.js";
import { GongopsError } from "../errors.js";
import { type CallOptions, type GongClient, STATS_SCOPE } from "../gong/client.js";
import { type IsoDate, lookBack, lookBackWords, startOfZonedDay } from "../gong/days.js";
import { GongAuthError } from "../gong/errors.js";
import { type ActivityCount, type ActivityCounts, activityCounts, hasActivity } from "../gong/schemas.js";

/**
 * A user's Gong activity from the activity statistics, and the days they cover. Gong counts whole days
 * in the company's time zone, `toDate` exclusive and never after today, so the statistics can reach at
 * most up to the start of today there; what happens today is visible only through calls.
 */

/** Human words for each count: "listened to 14 calls". */
const WORDS: Record<ActivityCount, (n: number) => string> = {
  callsAsHost: (n) => `hosted ${calls(n)}`,
  callsAttended: (n) => `attended ${calls(n)}`,
  othersCallsListenedTo: (n) => `listened to ${calls(n)}`,
  ownCallsListenedTo: (n) => `listened back to ${n} of their own call${n === 1 ? "" : "s"}`,
  callsScorecardsFilled: (n) => `filled ${n} scorecard${n === 1 ? "" : "s"}`,
  callsCommentsGiven: (n) => `commented on ${calls(n)}`,
  callsGaveFeedback: (n) => `gave feedback on ${calls(n)}`,
  callsMarkedAsFeedbackGiven: (n) => `marked ${calls(n)} as feedback`,
  callsRequestedFeedback: (n) => `asked for feedback on ${calls(n)}`,
  callsSharedInternally: (n) => `shared ${calls(n)} internally`,
  callsSharedExternally: (n) => `shared ${calls(n)} externally`,
  callsReceivedFeedback: (n) => `got feedback on ${calls(n)}`,
  callsScorecardsReceived: (n) => `had ${calls(n)} scored`,
  callsCommentsReceived: (n) => `got comments on ${calls(n)}`,
  callsMarkedAsFeedbackReceived: (n) => `had ${calls(n)} marked as feedback`,
};
const ORDER = Object.keys(WORDS) as ActivityCount[];

function calls(n: number): string {
  return `${n} call${n === 1 ? "" : "s"}`;
}

/** "listened to 14 calls, filled 3 scorecards"; what Gong did not say is not made up. */
export function describeActivity(
  counts: ActivityCounts | null,
  options: { exceptHosting?: boolean } = {},
): string {
  if (!counts) return "no activity";
  const parts = ORDER.filter((k) => !(options.exceptHosting && k === "callsAsHost"))
    .filter((k) => (counts[k] ?? 0) > 0)
    .map((k) => WORDS[k](counts[k]!));
  if (parts.length > 0) return parts.join(", ");
  return hasActivity(counts) ? "some activity Gong did not break down" : "no activity";
}

/**
 * The look-back of `days` ending at `to` (gong/days.ts `lookBack`: today and the `days` whole days
 * before it), as the activity statistics take it: its whole days, and today's calls from `todayStart`.
 */
export interface ActivityDays {
  timeZone: string;
  /** The look-back's first day: inclusive. */
  fromDate: IsoDate;
  /** Its last day, today at `to`: exclusive here (Gong refuses a later toDate); calls cover it. */
  toDate: IsoDate;
  /** When `toDate` begins: calls from here to `to` are not in the statistics yet. */
  todayStart: number;
}

export function activityDays(to: Date, days: number, timeZone: string): ActivityDays {
  const { firstDay, lastDay } = lookBack(to, days, timeZone);
  return { timeZone, fromDate: firstDay, toDate: lastDay, todayStart: startOfZonedDay(lastDay, timeZone) };
}

export interface UserActivity {
  userId: string;
  days: number;
  timeZone: string;
  fromDate: IsoDate;
  /** Exclusive: today, which the statistics do not count yet. */
  toDate: IsoDate;
  /** null: Gong listed nothing for the user on those days. */
  counts: ActivityCounts | null;
  /** Calls they hosted today, up to now (the part of the look-back the statistics do not cover). */
  hostedToday: number;
  active: boolean;
  summary: string;
}

export interface ActivityServiceDeps {
  gong: GongClient;
  /** The default look-back (GONGOPS_AUDIT_DAYS). */
  days: number;
  /** The one clock (src/clock.ts). */
  clock: Clock;
}

export class ActivityService {
  private zone: string | null = null;
  private readonly now: () => Date;

  constructor(private readonly deps: ActivityServiceDeps) {
    this.now = () => nowDate(deps.clock);
  }

  /** The company's time zone as Gong states it (asked once per process; one request). */
  async timeZone(opts: CallOptions = {}): Promise<string> {
    if (this.zone) return this.zone;
    const zone = await this.deps.gong.companyTimeZone(this.now(), opts);
    if (!zone) {
      throw new GongopsError(
        "GONG_INVALID_RESPONSE",
        "Gong's activity statistics show no activity at all in the last 90 days, so they did not say which time zone the company counts days in; the activity rule cannot be applied (use --activity hosted)",
      );
    }
    this.zone = zone;
    return zone;
  }

  /**
   * The zone, or null when Gong's statistics show no activity at all in the last 90 days (they then
   * name no zone, and nobody was active: nothing to count).
   */
  async timeZoneIfAny(opts: CallOptions = {}): Promise<string | null> {
    if (this.zone) return this.zone;
    this.zone = await this.deps.gong.companyTimeZone(this.now(), opts);
    return this.zone;
  }

  /** Drops the zone learned before (Gong answered in another one: the company changed it). */
  forget(): void {
    this.zone = null;
  }

  /**
   * A user's activity over the look-back (the default one unless `days` is given): one request for the
   * statistics' whole days, and one for the calls they hosted today (more only for a busy host).
   */
  async forUser(
    userId: string,
    days = this.deps.days,
    opts: CallOptions = {},
    retried = false,
  ): Promise<UserActivity> {
    const timeZone = await this.timeZone(opts);
    const now = this.now();
    const d = activityDays(now, days, timeZone);
    const pager = this.deps.gong.activityPages(
      { fromDate: d.fromDate, toDate: d.toDate, userIds: [userId] },
      opts,
    );
    let counts: ActivityCounts | null = null;
    for await (const record of pager) if (record.userId === userId) counts = activityCounts(record);
    pager.ensureComplete();
    if (pager.timeZone && pager.timeZone !== timeZone && !retried) {
      // The company's zone changed since it was learned: these were the wrong days; ask again, once.
      this.zone = pager.timeZone;
      return this.forUser(userId, days, opts, true);
    }
    // Today is in the look-back too, as in an audit: the calls they hosted since it began.
    const hostedToday = await this.hostedSince(userId, d.todayStart, now, opts);
    const listed = counts !== null && hasActivity(counts);
    const today = hostedToday > 0 ? `hosted ${calls(hostedToday)} today` : "";
    return {
      userId,
      days,
      timeZone,
      fromDate: d.fromDate,
      toDate: d.toDate,
      counts,
      hostedToday,
      active: listed || hostedToday > 0,
      summary: listed && today ? `${describeActivity(counts)}, ${today}` : today || describeActivity(counts),
    };
  }

  /** How many calls `userId` hosted in [from, to) (one request, more only for a busy host). */
  private async hostedSince(userId: string, from: number, to: Date, opts: CallOptions): Promise<number> {
    if (from >= to.getTime()) return 0;
    let n = 0;
    const pager = this.deps.gong.callPages({ from: new Date(from), to, primaryUserIds: [userId] }, opts);
    for await (const call of pager) {
      const at = Date.parse(call.started ?? call.scheduled ?? "");
      if (call.primaryUserId === userId && at >= from && at < to.getTime()) n++;
    }
    pager.ensureComplete();
    return n;
  }
}

/**
 * One line for a user card, over the look-back an audit at the same instant counts (gong/days.ts):
 * "last 90 days, 2026-08-28 to 2026-11-26 (America/Los_Angeles): listened to 14 calls".
 */
export function activityLine(a: UserActivity): string {
  const days = lookBackWords({ timeZone: a.timeZone, firstDay: a.fromDate, lastDay: a.toDate });
  return `last ${a.days} days, ${days}: ${a.summary}`;
}

/** The same, or why it is not known; never throws (a card shows without it). */
export async function activityLineOrReason(service: ActivityService, userId: string): Promise<string> {
  try {
    return activityLine(await service.forUser(userId));
  } catch (error) {
    if (error instanceof GongAuthError)
      return `not available: the Gong key or token lacks the scope ${STATS_SCOPE}`;
    return `not available (${(error as Error).message})`;
  }
}
