import type { Actor } from "../approvals/types.js";
import type { LeaversPort } from "../digest/digest.service.js";
import { enqueueJob } from "../jobs/index.js";
import { check, slackAccountChanged } from "./check.js";
import { LeaversCore, type LeaversDeps, leaverJson } from "./core.js";
import { defineLeaverJobs, type LeaverJobs } from "./jobs.js";
import type { SlackAccount } from "./match.js";
import { latestNewcomers, type Newcomers } from "./newcomers.js";
import { requestDeactivation, runBack, runNewcomers, runNotice } from "./notices.js";
import type { LeaversBrief, LeaversNotifier, LeaversView, SlackWorkspace } from "./types.js";

export type { LeaversDeps } from "./core.js";

/**
 * Leavers and stuck newcomers, for both faces: the verbs they call, each carried out in its own room.
 *
 * A leaver is a Gong-active user whose Slack account is deactivated (or, with GONGOPS_DEACTIVATE_VIA=
 * okta|entra, whose IdP account is suspended, deprovisioned or disabled), found from the directory
 * snapshot (no Gong request) and one paged users.list pass (check.ts; match.ts holds the rules). Two ways
 * in, one outcome: Slack's user_change event names a person at once, and every full check (after a sync,
 * and every freshness window in the app) names them again; a leaver is one row, so one notice and at
 * most one open request. Their request goes through the approvals flow like any other, filed on their
 * departure instead of inactivity; an account that comes back withdraws a pending one (notices.ts). Stuck
 * newcomers come from what the newest "any" audit read (newcomers.ts): one DM per person, never filed.
 */
export class LeaversService {
  private readonly core: LeaversCore;
  /** The job kinds the Slack app's worker runs (it registers them: only a face can tell the admins). */
  readonly jobs: LeaverJobs;

  constructor(deps: LeaversDeps) {
    this.core = new LeaversCore(deps);
    this.jobs = defineLeaverJobs({
      notice: (userId) => runNotice(this.core, userId),
      back: (p) => runBack(this.core, p),
      check: () => this.runCheck(),
      newcomers: (runId) => runNewcomers(this.core, runId),
    });
    this.core.jobs = this.jobs;
  }

  /** A face plugs in: Slack's accounts, how to tell the admins, how to wake its job worker. */
  connect(face: { slack?: SlackWorkspace | null; notifier?: LeaversNotifier | null; wake?: () => void }) {
    if (face.slack !== undefined) this.core.slack = face.slack;
    if (face.notifier !== undefined) this.core.notifier = face.notifier;
    if (face.wake) this.core.wake = face.wake;
  }

  get sources() {
    return this.core.sources();
  }

  /**
   * A full check now (see check.ts); what it found, as the faces show it. A directory older than the
   * freshness window is synced first (the only Gong requests a check makes).
   */
  async check(): Promise<LeaversView> {
    await check(this.core, { refresh: true });
    return this.view();
  }

  slackAccountChanged(account: SlackAccount): { left: string[]; back: string[] } {
    return slackAccountChanged(this.core, account);
  }

  requestDeactivation(userId: string, actor: Actor) {
    return requestDeactivation(this.core, userId, actor);
  }

  /** The leavers known now (the last check, and events since), without asking anyone. */
  view(): LeaversView {
    const { repo, directory } = this.core.deps;
    const rows = repo.all();
    const last = repo.lastCheck();
    const state = directory.state();
    const managers = new Map<string, string>();
    if (state)
      for (const r of rows) {
        const m = this.core.managerOf(state.gen, r.userId);
        if (m) managers.set(r.userId, m);
      }
    return {
      leavers: rows.map(leaverJson),
      notInSlack: last?.notInSlack ?? [],
      checkedAt: last?.checkedAt ?? null,
      sources: last?.sources ?? [],
      snapshotAt: state?.syncedAt ?? null,
      yearlyCost: this.yearlyCost(rows.length),
      rows,
      managers,
    };
  }

  /** The audit summary's leavers line (LeaversBrief): one count-sized read, not the whole view. */
  brief(): LeaversBrief {
    const { repo } = this.core.deps;
    const rows = repo.all();
    return { checkedAt: repo.lastCheckedAt(), rows, yearlyCost: this.yearlyCost(rows.length) };
  }

  /** What `seats` seats cost a year, at GONGOPS_SEAT_PRICE_PER_YEAR; null when no price is set. */
  private yearlyCost(seats: number): LeaversView["yearlyCost"] {
    const { seatPricePerYear: price, currency } = this.core.deps.settings;
    return price === null ? null : { amount: seats * price, currency };
  }

  /** How many leavers the trend records with a finished audit; null before any check. */
  countForTrend(): number | null {
    return this.core.repo.checked() ? this.core.repo.count() : null;
  }

  /** The stuck newcomers of the newest finished "any" audit (or of run `runId`). */
  newcomers(runId?: number): Newcomers {
    return latestNewcomers(this.core.deps.audits, runId);
  }

  /** What a digest lists (digest/): the leavers first, and the digest's audit's stuck newcomers. */
  digestPort(): LeaversPort {
    return {
      leavers: () => {
        const v = this.view();
        if (!v.checkedAt) return null;
        return {
          people: v.rows.map((r) => ({
            id: r.userId,
            name: r.name,
            email: r.email,
            managerName: v.managers.get(r.userId) ?? null,
            source: r.source,
            since: r.since,
          })),
          yearlyCost: v.yearlyCost,
          checkedAt: v.checkedAt,
        };
      },
      newcomers: (runId) => {
        const n = this.newcomers(runId);
        return n.audit ? n.newcomers : null;
      },
    };
  }

  // ---- when to check -------------------------------------------------------------------------------

  private every(): number {
    return this.core.deps.settings.freshnessMinutes * 60_000;
  }

  /** The periodic check: one job per freshness window across processes, each queueing the next. */
  private async runCheck(): Promise<void> {
    if (this.core.sources().length > 0 && this.core.deps.directory.state())
      await check(this.core, { refresh: false });
    const next = (Math.floor(this.core.deps.clock.now() / this.every()) + 1) * this.every();
    this.core.enqueueCheck(new Date(next), `leavers-check:${new Date(next).toISOString()}`);
  }

  /**
   * The app's periodic check, from the next freshness window on (one per window across processes): a
   * start lists no Slack accounts at once (events and the checks after each sync cover the meantime).
   */
  scheduleChecks(): void {
    const next = (Math.floor(this.core.deps.clock.now() / this.every()) + 1) * this.every();
    this.core.enqueueCheck(new Date(next), `leavers-check:${new Date(next).toISOString()}`);
  }

  /** After a committed sync in a process that can tell the admins: check against the new snapshot. */
  afterSync(): void {
    const state = this.core.deps.directory.state();
    if (!this.core.notifier || !state) return;
    this.core.enqueueCheck(this.core.now(), `leavers-check:sync:${state.gen}`);
  }

  /** After an audit finished (in any process): its stuck newcomers, told by the app that runs the job. */
  auditFinished(runId: number): void {
    if (this.core.deps.audits.get(runId)?.activityRule !== "any") return;
    try {
      enqueueJob(
        this.core.deps.jobs,
        this.jobs.newcomers,
        { runId },
        { now: this.core.now(), idempotencyKey: `newcomers:${runId}` },
      );
      this.core.wake();
    } catch (error) {
      this.core.log.warn("could not queue the newcomers' notices", { run: runId, err: error });
    }
  }
}
