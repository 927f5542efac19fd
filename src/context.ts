import type { Dispatcher } from "undici";
import { AuditService } from "./audit/audit.service.js";
import { ExemptionsService } from "./audit/exemptions.service.js";
import { type Config, configSecrets } from "./config.js";
import { DigestService } from "./digest/digest.service.js";
import { Hierarchy } from "./directory/hierarchy.service.js";
import { DirectoryLookup } from "./directory/lookup.service.js";
import { DirectorySync } from "./directory/sync.service.js";
import { connectGong, type GongConnection } from "./gong/connect.js";
import type { RetryPolicy, Timing } from "./gong/retry.js";
import { createLogger, type Logger } from "./log.js";
import { SchedulesService } from "./schedules/schedules.service.js";
import { redactor } from "./secret.js";
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

/**
 * The composition root: config, database, the Gong connection and the services, built once and handed
 * to whichever face starts. No globals: tests build their own context (an in-memory database, the
 * simulator, fast timings).
 */
export interface AppContext {
  config: Config;
  log: Logger;
  db: Db;
  repos: {
    directory: DirectoryRepo;
    syncRuns: SyncRunsRepo;
    locks: LocksRepo;
    audits: AuditsRepo;
    exemptions: ExemptionsRepo;
    jobs: JobsRepo;
    schedules: SchedulesRepo;
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
  schedules: SchedulesService;
  /** null without Gong credentials. */
  digests: DigestService | null;
  close(): Promise<void>;
}

export interface ContextOptions {
  config: Config;
  log?: Logger;
  /** Overrides for tests: an undici MockAgent, virtual time, fast back-off. */
  dispatcher?: Dispatcher;
  timing?: Timing;
  retry?: Partial<RetryPolicy>;
  now?: () => Date;
}

export function createContext(options: ContextOptions): AppContext {
  const { config } = options;
  const log =
    options.log ?? createLogger({ level: config.logLevel, redact: redactor(configSecrets(config)) });
  const db = openDatabase(config.dbPath);
  const repos = {
    directory: new DirectoryRepo(db),
    syncRuns: new SyncRunsRepo(db),
    locks: new LocksRepo(db),
    audits: new AuditsRepo(db),
    exemptions: new ExemptionsRepo(db),
    jobs: new JobsRepo(db),
    schedules: new SchedulesRepo(db),
  };
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
        timing: options.timing,
        log,
      })
    : null;
  const hierarchy = new Hierarchy(repos.directory);
  const sync = gong
    ? new DirectorySync({
        gong: gong.client,
        ...repos,
        runs: repos.syncRuns,
        log: log.child("sync"),
        leaseMs: config.leaseSeconds * 1000,
        now: options.now,
        // Build the new snapshot's org index now, in chunks, rather than inside the next /gong reports.
        onCommitted: () => void hierarchy.index().catch(() => {}),
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
    now: options.now,
  });
  const audit =
    gong && sync
      ? new AuditService({
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
          now: options.now,
        })
      : null;
  const exemptions = new ExemptionsService({
    exemptions: repos.exemptions,
    directory: repos.directory,
    fromSetting: config.audit.exempt,
    now: options.now,
  });
  const digests = audit
    ? new DigestService({
        audit,
        audits: repos.audits,
        directory: repos.directory,
        schedules: repos.schedules,
        settings: config.digest,
        approvals: null,
        now: options.now,
      })
    : null;
  let closed = false;
  return {
    config,
    log,
    db,
    repos,
    gong,
    directory: { sync, lookup, hierarchy },
    audit,
    exemptions,
    schedules: new SchedulesService(repos.schedules, { now: options.now }),
    digests,
    close: async () => {
      // Idempotent: faces and tests may both close on the way out.
      if (closed) return;
      closed = true;
      await gong?.close();
      await closeDatabase(db);
    },
  };
}
