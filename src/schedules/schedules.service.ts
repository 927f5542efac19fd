import { type Clock, nowDate } from "../clock.js";
import { NotFoundError, UsageError } from "../errors.js";
import { isChannelId } from "../slackIds.js";
import type { ScheduleRow, SchedulesRepo } from "../store/schedules.repo.js";
import { SCHEDULE_KINDS, type ScheduleKind, type ScheduleOptions } from "../store/schema.js";
import { nextRuns, parseCron } from "./cron.js";

/**
 * Schedules as both faces manage them: add (cron and zone checked, refused with a correct example),
 * list with each one's next run, remove, pause, resume. Running one now is the runner's (runner.ts).
 */
export interface NewScheduleRequest {
  kind: string;
  cron: string;
  timezone: string;
  channel: string | null;
  options: ScheduleOptions;
  createdBy: string;
}

export interface ScheduleView extends ScheduleRow {
  /** The next run, or null when paused. */
  nextRunAt: Date | null;
}

export class SchedulesService {
  private readonly now: () => Date;

  constructor(
    private readonly repo: SchedulesRepo,
    options: { clock: Clock; maxDays?: number },
  ) {
    this.now = () => nowDate(options.clock);
  }

  add(r: NewScheduleRequest): ScheduleView {
    if (!(SCHEDULE_KINDS as readonly string[]).includes(r.kind))
      throw new UsageError(`a schedule runs ${SCHEDULE_KINDS.join(" or ")}, not "${r.kind}"`);
    const kind = r.kind as ScheduleKind;
    const now = this.now();
    const { cron, timezone } = parseCron(r.cron, r.timezone, now);
    if (r.channel !== null && !isChannelId(r.channel))
      throw new UsageError(`"${r.channel}" is not a Slack channel id (C… or G…)`);
    if (kind === "audit-digest" && r.channel === null)
      throw new UsageError("an audit digest needs a channel to post in (--channel C…)");
    const days = r.options.days;
    if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 2700))
      throw new UsageError(`--days must be a whole number from 1, got ${days}`);
    if (kind === "sync" && (days !== undefined || r.options.skipIfUnchanged))
      throw new UsageError("--days and --skip-if-unchanged go with audit-digest");
    const row = this.repo.add({
      kind,
      cron,
      timezone,
      channel: r.channel,
      options: r.options,
      createdBy: r.createdBy,
      createdAt: now,
    });
    return this.view(row);
  }

  list(): ScheduleView[] {
    return this.repo.list().map((s) => this.view(s));
  }

  get(id: number): ScheduleView {
    const s = this.repo.get(id);
    if (!s) throw new NotFoundError(`no schedule ${id} (\`schedule list\` shows them)`);
    return this.view(s);
  }

  remove(id: number): ScheduleView {
    const s = this.get(id);
    this.repo.remove(id);
    return s;
  }

  /** Pausing keeps the schedule; resuming starts from now (slots missed while paused never run). */
  setPaused(id: number, paused: boolean): ScheduleView {
    this.get(id);
    const now = this.now();
    const row = this.repo.update(
      id,
      paused ? { paused } : { paused, lastDueAt: now, failing: null, failingSince: null },
    )!;
    return this.view(row);
  }

  private view(s: ScheduleRow): ScheduleView {
    const from = new Date(Math.max(this.now().getTime(), s.lastDueAt?.getTime() ?? 0));
    return { ...s, nextRunAt: s.paused ? null : (nextRuns(s.cron, s.timezone, from, 1)[0] ?? null) };
  }
}
