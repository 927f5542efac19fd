import type { webApi } from "@slack/bolt";
import type { ApprovalsService } from "../approvals/approvals.service.js";
import type { LeaversService } from "../leavers/leavers.service.js";
import type { Logger } from "../log.js";
import type { AuditsRepo } from "../store/audits.repo.js";
import type { SchedulesRepo } from "../store/schedules.repo.js";
import type { SyncRunsRepo } from "../store/syncRuns.repo.js";
import { reclaimedText } from "../trend/chart.js";
import type { TrendService } from "../trend/trend.service.js";
import type { SlackAccess } from "./access.js";
import { type HomeState, type HomeTrend, homeBlocks } from "./blocks/home.js";

/**
 * App Home: published when someone opens it, and again for everyone who opened it (and the admins)
 * after each sync and audit, so the dashboard is never stale for long.
 */
export class HomePublisher {
  private readonly viewers = new Set<string>();
  /**
   * Chart files Slack refused (deleted in Slack): left out from then on, rather than each refresh
   * trying the image, being refused and publishing again. A new chart has a new file.
   */
  private readonly goneCharts = new Set<string>();
  /** Set as the app stops, before the database closes: nothing more is read or published. */
  private stopped = false;

  constructor(
    private readonly deps: {
      syncRuns: SyncRunsRepo;
      audits: AuditsRepo;
      access: SlackAccess;
      adminUserIds: readonly string[];
      log: Logger;
      approvals?: ApprovalsService;
      /** Failing schedules are shown to admins. */
      schedules?: SchedulesRepo;
      /** The reclaimed total and the latest trend chart. */
      trend?: Pick<TrendService, "reclaimed" | "latestChart">;
      /** The leavers' and stuck newcomers' counts (admins). */
      leavers?: Pick<LeaversService, "countForTrend" | "newcomers">;
    },
  ) {}

  private trend(): HomeTrend | undefined {
    const trend = this.deps.trend;
    if (!trend) return undefined;
    const reclaimed = trend.reclaimed();
    const chart = trend.latestChart();
    return {
      reclaimed: reclaimedText({ reclaimed, currency: reclaimed.currency }),
      chart:
        chart && !this.goneCharts.has(chart.fileId)
          ? { fileId: chart.fileId, altText: chart.altText, uploadedAt: chart.uploadedAt }
          : null,
    };
  }

  private leavers(): HomeState["leavers"] {
    const leavers = this.deps.leavers;
    if (!leavers) return undefined;
    const stuck = leavers.newcomers();
    return { leavers: leavers.countForTrend(), newcomers: stuck.audit ? stuck.newcomers.length : null };
  }

  /**
   * Nothing more is published: the app is stopping and the database closes next. A publish waiting on
   * Slack reads no more (its reads come after its last wait, and look at this first).
   */
  stop(): void {
    this.stopped = true;
  }

  async publish(client: webApi.WebClient, userId: string): Promise<void> {
    if (this.stopped) return;
    this.viewers.add(userId);
    const { syncRuns, audits, access } = this.deps;
    const lastAudit = audits.latest();
    const post = lastAudit ? audits.postOf(lastAudit.id) : null;
    const link = post
      ? await client.chat
          .getPermalink({ channel: post.channel, message_ts: post.ts })
          .then((r) => r.permalink ?? null)
          .catch(() => null)
      : null;
    const allowed = await access.allowed(userId, client);
    const isAdmin = await access.isAdmin(userId, client);
    // Stopped while Slack answered: the database may be closed now. (No wait from here to the reads.)
    if (this.stopped) return;
    const approvals = this.deps.approvals;
    const state: HomeState = {
      lastSync: syncRuns.lastSucceeded(),
      lastAudit,
      lastAuditLink: link,
      allowed,
      isAdmin,
      approvals: approvals && {
        pending: approvals.pendingFor(userId),
        admin: isAdmin
          ? {
              open: approvals.list({ open: true }).length,
              cap: approvals.capToday(),
              failed: approvals.failedRecently(),
            }
          : null,
      },
      failingSchedules: this.deps.schedules?.failing() ?? [],
      trend: this.trend(),
      leavers: this.leavers(),
    };
    const publish = (s: HomeState) =>
      client.views.publish({ user_id: userId, view: { type: "home", blocks: homeBlocks(s) } });
    try {
      await publish(state);
    } catch (error) {
      // Slack refuses the whole view when the chart's file is gone (deleted in Slack): show the rest.
      if (!state.trend?.chart || (error as { data?: { error?: string } }).data?.error !== "invalid_blocks")
        throw error;
      this.deps.log.warn("App Home refused the trend chart's image; published without it", {
        file: state.trend.chart.fileId,
      });
      this.goneCharts.add(state.trend.chart.fileId);
      await publish({ ...state, trend: { ...state.trend, chart: null } });
    }
  }

  /** Republishes for one person who has looked at Home (their decision there took its buttons away). */
  async refreshFor(client: webApi.WebClient, userId: string): Promise<void> {
    if (!this.viewers.has(userId)) return;
    await this.publish(client, userId).catch((error: unknown) =>
      this.deps.log.warn("could not publish App Home", { user: userId, err: error }),
    );
  }

  /** Republishes for everyone who has looked, and the admins. Failures are logged, not thrown. */
  async refreshAll(client: webApi.WebClient): Promise<void> {
    for (const user of new Set([...this.viewers, ...this.deps.adminUserIds])) {
      if (this.stopped) return;
      await this.publish(client, user).catch((error: unknown) =>
        this.deps.log.warn("could not publish App Home", { user, err: error }),
      );
    }
  }
}
