import type { Dispatcher } from "undici";
import { ApprovalsService } from "./approvals/approvals.service.js";
import { ActivityService } from "./audit/activity.js";
import { AuditService } from "./audit/audit.service.js";
import { ExemptionsService } from "./audit/exemptions.service.js";
import { AuditHistory } from "./audit/history.js";
import { type Clock, systemClock } from "./clock.js";
import { type Config, configSecrets } from "./config.js";
import { DigestService } from "./digest/digest.service.js";
import { Hierarchy } from "./directory/hierarchy.service.js";
import { DirectoryLookup } from "./directory/lookup.service.js";
import { DirectorySync } from "./directory/sync.service.js";
import { GongopsError } from "./errors.js";
import { connectGong, type GongConnection } from "./gong/connect.js";
import type { RetryPolicy } from "./gong/retry.js";
import { createIdpDeprovisioner, type IdpOverrides } from "./idp/index.js";
import { JobRegistry } from "./jobs/index.js";
import { createLogger, type Logger } from "./log.js";
import { Metrics } from "./metrics.js";
import { SchedulesService } from "./schedules/schedules.service.js";
import { redactor } from "./secret.js";
import { ApprovalsRepo } from "./store/approvals.repo.js";
import { AuditsRepo } from "./store/audits.repo.js";
import { SqliteBudgetStore } from "./store/budget.repo.js";
import { closeDatabase, type Db, openDatabase } from "./store/db.js";
import { DirectoryRepo } from "./store/directory.repo.js";
import { ExemptionsRepo } from "./store/exemptions.repo.js";
import { JobsRepo } from "./store/jobs.repo.js";
import { LocksRepo } from "./store/locks.repo.js";
import { SqliteRateWindow } from "./store/rate.repo.js";
import { SchedulesRepo } from "./store/schedules.repo.js";
import { SyncRunsRepo } from "./store/syncRuns.repo.js";
import { TrendRepo } from "./store/trend.repo.js";
import { WorkflowStepsRepo } from "./store/workflowSteps.repo.js";
import { TrendService } from "./trend/trend.service.js";

/**
 * The composition root: config, database, the Gong connection and the services, built once and handed
 * to whichever face starts. No globals: tests build their own context (an in-memory database, the
 * simulator, fast timings).
 */
export interface AppContext {
  config: Config;
  /** The one clock: everything that reads the time takes it from here. */
  clock: Clock;
  log: Logger;
  db: Db;
  repos: {
    directory: DirectoryRepo;
    syncRuns: SyncRunsRepo;
    locks: LocksRepo;
    audits: AuditsRepo;
    exemptions: ExemptionsRepo;
    jobs: JobsRepo;
    approvals: ApprovalsRepo;
    schedules: SchedulesRepo;
    trend: TrendRepo;
    workflowSteps: WorkflowStepsRepo;
  };
  /** null when no Gong credentials are configured (commands that need Gong refuse earlier). */
  gong: GongConnection | null;
  directory: {
    sync: DirectorySync | null;
    lookup: DirectoryLookup;
    hierarchy: Hierarchy;
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
  close(): Promise<void>;
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

export interface ContextOptions {
  config: Config;
  log?: Logger;
  /** Overrides for tests: an undici MockAgent, a pinned or virtual clock, fast back-off. */
  dispatcher?: Dispatcher;
  /** The one clock; the system's by default. Tests pin it with `clockFrom(instant)`. */
  clock?: Clock;
  /** Back-off jitter (tests pin it). */
  random?: () => number;
  retry?: Partial<RetryPolicy>;
  /** One registry per process: a test that builds several contexts may share or separate them. */
  metrics?: Metrics;
  /** The Okta / Entra ID adapters' overrides (an injected Entra token, fast back-off). */
  idp?: IdpOverrides;
}

export function createContext(options: ContextOptions): AppContext {
  const { config } = options;
  const log =
    options.log ?? createLogger({ level: config.logLevel, redact: redactor(configSecrets(config)) });
  const clock = options.clock ?? systemClock;
  const db = openDatabase(config.dbPath);
  const repos = {
    directory: new DirectoryRepo(db),
    syncRuns: new SyncRunsRepo(db),
    locks: new LocksRepo(db, clock),
    audits: new AuditsRepo(db),
    exemptions: new ExemptionsRepo(db),
    jobs: new JobsRepo(db),
    approvals: new ApprovalsRepo(db),
    schedules: new SchedulesRepo(db),
    trend: new TrendRepo(db),
    workflowSteps: new WorkflowStepsRepo(db),
  };
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
  });
  const hierarchy = new Hierarchy(repos.directory);
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
        },
      })
    : null;
  const lookup = new DirectoryLookup({
    directory: repos.directory,
    names: async () => (await hierarchy.index())?.names() ?? [],
    gong: gong?.client ?? null,
    refresh: sync
      ? async () => {
          await sync.run({ trigger: "lookup" });
        }
      : null,
    freshnessMinutes: config.directory.freshnessMinutes,
    log: log.child("lookup"),
    clock,
  });
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
          },
          log: log.child("audit"),
          leaseMs: config.leaseSeconds * 1000,
          clock,
          // Every finished run is a point of the trend, whoever started it.
          onSucceeded: (runId) => trend.record(runId),
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
        clock,
      })
    : null;
  let closed = false;
  return {
    config,
    clock,
    log,
    db,
    repos,
    gong,
    directory: { sync, lookup, hierarchy },
    audit,
    exemptions,
    auditHistory: new AuditHistory(repos),
    metrics,
    approvals,
    jobKinds: new JobRegistry(approvals.jobs),
    schedules: new SchedulesService(repos.schedules, { clock }),
    digests,
    trend,
    close: async () => {
      // Idempotent: faces and tests may both close on the way out.
      if (closed) return;
      closed = true;
      await gong?.close();
      await idp?.close();
      await closeDatabase(db);
    },
  };
}
