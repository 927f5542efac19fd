import type { webApi } from "@slack/bolt";
import type { ApprovalsService } from "../approvals/approvals.service.js";
import type { Logger } from "../log.js";
import type { AuditsRepo } from "../store/audits.repo.js";
import type { SchedulesRepo } from "../store/schedules.repo.js";
import type { SyncRunsRepo } from "../store/syncRuns.repo.js";
import type { SlackAccess } from "./access.js";
import { homeBlocks } from "./blocks/home.js";

/**
 * App Home: published when someone opens it, and again for everyone who opened it (and the admins)
 * after each sync and audit, so the dashboard is never stale for long.
 */
export class HomePublisher {
  private readonly viewers = new Set<string>();

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
    },
  ) {}

  async publish(client: webApi.WebClient, userId: string): Promise<void> {
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
    const approvals = this.deps.approvals;
    await client.views.publish({
      user_id: userId,
      view: {
        type: "home",
        blocks: homeBlocks({
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
        }),
      },
    });
  }

  /** Republishes for everyone who has looked, and the admins. Failures are logged, not thrown. */
  async refreshAll(client: webApi.WebClient): Promise<void> {
    for (const user of new Set([...this.viewers, ...this.deps.adminUserIds])) {
      await this.publish(client, user).catch((error: unknown) =>
        this.deps.log.warn("could not publish App Home", { user, err: error }),
      );
    }
  }
}
