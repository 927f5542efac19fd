import { ApprovalsService } from "./approvals/approvals.service.js";
import { ActivityService } from "./audit/activity.js";
import { AuditService } from "./audit/audit.service.js";
import { ExemptionsService } from "./audit/exemptions.service.js";
import { AuditHistory } from "./audit/history.js";
import { type ContextOptions, type CoreContext, createCoreContext, type GongSide } from "./coreContext.js";
import { DigestService } from "./digest/digest.service.js";
import { DirectorySync } from "./directory/sync.service.js";
import { GongopsError } from "./errors.js";
import { connectGong, type GongConnection } from "./gong/connect.js";
import { createIdpDeprovisioner } from "./idp/index.js";
import { JobRegistry } from "./jobs/index.js";
import { LeaversService } from "./leavers/leavers.service.js";
import { Metrics } from "./metrics.js";
import { SchedulesService } from "./schedules/schedules.service.js";
import { SqliteBudgetStore } from "./store/budget.repo.js";
import { SqliteRateWindow } from "./store/rate.repo.js";
import { TrendService } from "./trend/trend.service.js";

export type { ContextOptions, CoreContext, GongSide } from "./coreContext.js";

/**
 * The composition root: config, database, the Gong connection and the services, built once and handed
 * to whichever face starts. No globals: tests build their own context (an in-memory database, the
 * simulator, fast timings). It grows from the core (coreContext.ts: config, database, directory lookups),
 * which a command that needs no more builds alone.
 */
export interface AppContext extends CoreContext {
  /** null when no Gong credentials are configured (commands that need Gong refuse earlier). */
  gong: GongConnection | null;
  directory: CoreContext["directory"] & {
    sync: DirectorySync | null;
  };
  /** null without Gong credentials. */
  audit: AuditService | null;
  exemptions: ExemptionsService;
  auditHistory: AuditHistory;
  metrics: Metrics;
  /** Deactivation requests with approval (faces connect Slack people, a notifier and a job worker). */
  approvals: ApprovalsService;
  /**
   * Every job kind this process runs, in one registry: the services' kinds are registered here, a face
   * adds its own (the Slack app: audit resumes, schedules) where it is wired, and every worker runs
   * this list.
   */
  jobKinds: JobRegistry;
  schedules: SchedulesService;
  /** null without Gong credentials. */
  digests: DigestService | null;
  /** The trend of unused seats and what deactivations reclaimed (history, chart, sparkline). */
  trend: TrendService;
  /** Leavers (deactivated in Slack or the IdP) and stuck newcomers; faces plug in Slack. */
  leavers: LeaversService;
}

/** A context with Gong credentials: everything that talks to Gong is there (see requireGong). */
export type GongContext = AppContext & {
  gong: GongConnection;
  audit: AuditService;
  directory: AppContext["directory"] & { sync: DirectorySync };
};

/**
 * The context typed as having Gong, for faces whose configuration check required the credentials (so
 * that no face needs a `!`). Throws when it does not: a wiring mistake, not a user's.
 */
export function requireGong(ctx: AppContext): GongContext {
  if (!ctx.gong || !ctx.audit || !ctx.directory.sync) {
    throw new GongopsError("CONFIG_INVALID", "this needs the Gong credentials, and none are configured");
  }
  return ctx as GongContext;
}

/** What the core's lookups ask of Gong, from the grown context (which has the credentials). */
export function gongSideOf(app: AppContext): GongSide {
  const ctx = requireGong(app);
  return {
    client: ctx.gong.client,
    refresh: async () => {
      await ctx.directory.sync.run({ trigger: "lookup" });
    },
  };
}

/** The whole context at once (the Slack app, the worker, tests); the CLI grows a core only when it must. */
export function createContext(options: ContextOptions): AppContext {
  const app: AppContext = growContext(
    createCoreContext(options, async () => gongSideOf(app)),
    options,
  );
  return app;
}

/**
 * Grows a core into the whole context, in place: the same object, now with Gong's connection and every
 * service (createContext at once; the CLI once a command needs them). Closing it closes them all.
 */
export function growContext(core: CoreContext, options: ContextOptions): AppContext {
  const { config, clock, log, db, repos } = core;
  const { hierarchy, lookup } = core.directory;
  const metrics = options.metrics ?? new Metrics();
  const gong = config.gong.auth
    ? connectGong({
        baseUrl: config.gong.baseUrl,
        auth: config.gong.auth,
        scimBaseUrl: config.gong.scimBaseUrl,
        scimToken: config.gong.scimToken,
        maxConcurrent: config.gong.maxConcurrent,
        maxRps: config.gong.maxRps,
        rpsMargin: config.gong.rpsMargin,
        dailyQuota: config.gong.dailyQuota,
        windowDays: config.gong.windowDays,
        timeoutMs: config.gong.timeoutMs,
        retry: {
          maxRetries: config.gong.maxRetries,
          retryAfterMaxMs: config.gong.retryAfterMaxSeconds * 1000,
          ...options.retry,
        },
        budget: new SqliteBudgetStore(db),
        // The per-second window, like the budget, is shared by every process on this database.
        rateWindow: new SqliteRateWindow(db),
        dispatcher: options.dispatcher,
        clock,
        random: options.random,
        log,
        observer: metrics.gongObserver(),
      })
    : null;
  const trend = new TrendService({
    trend: repos.trend,
    approvals: repos.approvals,
    audits: repos.audits,
    directory: repos.directory,
    settings: config.digest,
    clock,
    log: log.child("trend"),
    leavers: () => leavers.countForTrend(),
  });
  const sync = gong
    ? new DirectorySync({
        gong: gong.client,
        ...repos,
        runs: repos.syncRuns,
        log: log.child("sync"),
        leaseMs: config.leaseSeconds * 1000,
        clock,
        // Build the new snapshot's org index now, in chunks, rather than inside the next /gong reports.
        onCommitted: () => {
          void hierarchy.index().catch(() => {});
          // Manual deactivations are closed by the first sync that shows the user inactive.
          try {
            approvals.closeVerified();
          } catch (error) {
            log.warn("could not close verified manual deactivations", { reason: (error as Error).message });
          }
          // The next check finds leavers against the new snapshot (in the process that can tell them).
          try {
            leavers.afterSync();
          } catch (error) {
            log.warn("could not queue a leavers check", { reason: (error as Error).message });
          }
        },
      })
    : null;
  // One reader of the company's time zone for the activity statistics, shared by audits and approvals.
  const activity = gong ? new ActivityService({ gong: gong.client, days: config.audit.days, clock }) : null;
  const audit =
    gong && sync && activity
      ? new AuditService({
          activity,
          syncRuns: repos.syncRuns,
          gong: gong.client,
          directory: repos.directory,
          audits: repos.audits,
          exemptions: repos.exemptions,
          locks: repos.locks,
          sync,
          settings: {
            ...config.audit,
            freshnessMinutes: config.directory.freshnessMinutes,
            windowDays: config.gong.windowDays,
            maxConcurrent: config.gong.maxConcurrent,
            maxRps: config.gong.maxRps,
            onboardingDays: config.leavers.onboardingDays,
          },
          log: log.child("audit"),
          leaseMs: config.leaseSeconds * 1000,
          clock,
          // Every finished run is a point of the trend, whoever started it; its stuck newcomers are told.
          onSucceeded: (runId) => {
            trend.record(runId);
            leavers.auditFinished(runId);
          },
          // Who is in the keep cool-down is set aside, with "kept until …, by …: …" (approvals/kept.ts).
          kept: (now) => approvals.kept(now),
        })
      : null;
  const exemptions = new ExemptionsService({
    exemptions: repos.exemptions,
    directory: repos.directory,
    fromSetting: config.audit.exempt,
    clock,
  });
  metrics.readFrom({
    budget: () => gong?.limiter.budgetToday() ?? null,
    queued: () => gong?.limiter.stats().queued ?? 0,
    syncRuns: () => repos.syncRuns.countByOutcome(),
    auditRuns: () => repos.audits.countByStatus(),
    jobs: () => repos.jobs.counts(),
  });
  const idp = createIdpDeprovisioner(config, log.child("idp"), clock, options.idp);
  const approvals = new ApprovalsService({
    repo: repos.approvals,
    jobs: repos.jobs,
    directory: repos.directory,
    lookup,
    exemptions,
    audits: repos.audits,
    syncRuns: repos.syncRuns,
    steps: repos.workflowSteps,
    activity,
    activityRule: config.audit.activity,
    gong: gong?.client ?? null,
    scim: gong?.scim ?? null,
    deprovisioner: idp,
    settings: config.approvals,
    lookbackDays: config.audit.days,
    log: log.child("approvals"),
    clock,
    // A leaver never approves anything.
    hasLeft: (gongId) => {
      const left = repos.leavers.get(gongId);
      return left
        ? `has left the company (${left.source === "slack" ? "deactivated in Slack" : `disabled in ${left.source === "okta" ? "Okta" : "Entra ID"}`})`
        : null;
    },
  });
  const leavers = new LeaversService({
    repo: repos.leavers,
    directory: repos.directory,
    audits: repos.audits,
    jobs: repos.jobs,
    approvals,
    sync,
    // With GONGOPS_DEACTIVATE_VIA=okta|entra, the IdP's suspended or disabled accounts are leavers too.
    idp,
    settings: {
      autoRequest: config.leavers.autoRequest,
      freshnessMinutes: config.directory.freshnessMinutes,
      seatPricePerYear: config.digest.seatPricePerYear,
      currency: config.digest.currency,
    },
    clock,
    log: log.child("leavers"),
  });
  const digests = audit
    ? new DigestService({
        audit,
        audits: repos.audits,
        directory: repos.directory,
        schedules: repos.schedules,
        syncRuns: repos.syncRuns,
        settings: config.digest,
        // Pending deactivation requests and their age, for "what changed" (approvals/).
        approvals: {
          pending: (now) => {
            const pending = repos.approvals.subjectsIn(["pending"]);
            const created = [...new Set(pending.map((p) => p.requestId))]
              .map((id) => repos.approvals.request(id)?.createdAt)
              .filter((at): at is string => Boolean(at))
              .map((at) => Date.parse(at));
            const oldest = created.length ? Math.min(...created) : null;
            return {
              count: pending.length,
              oldestHours: oldest === null ? null : Math.floor((now.getTime() - oldest) / 3_600_000),
            };
          },
          kept: (now) => approvals.kept(now),
        },
        leavers: leavers.digestPort(),
        clock,
      })
    : null;
  const closeCore = core.close;
  let closed = false;
  const app: AppContext = Object.assign(core, {
    gong,
    directory: Object.assign(core.directory, { sync }),
    audit,
    exemptions,
    auditHistory: new AuditHistory(repos),
    metrics,
    approvals,
    jobKinds: new JobRegistry([...approvals.jobs, ...Object.values(leavers.jobs)]),
    schedules: new SchedulesService(repos.schedules, { clock }),
    digests,
    trend,
    leavers,
    close: async () => {
      // Idempotent: faces and tests may both close on the way out.
      if (closed) return;
      closed = true;
      await gong?.close();
      await idp?.close();
      await closeCore();
    },
  });
  return app;
}
