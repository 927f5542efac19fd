import type { Dispatcher } from "undici";
import { type Clock, systemClock } from "./clock.js";
import { type Config, configSecrets } from "./config.js";
import { Hierarchy } from "./directory/hierarchy.service.js";
import { DirectoryLookup } from "./directory/lookup.service.js";
import type { GongClient } from "./gong/client.js";
import type { RetryPolicy } from "./gong/retry.js";
import type { IdpOverrides } from "./idp/index.js";
import { createLogger, type Logger } from "./log.js";
import type { Metrics } from "./metrics.js";
import { redactor } from "./secret.js";
import { ApprovalsRepo } from "./store/approvals.repo.js";
import { AuditsRepo } from "./store/audits.repo.js";
import { closeDatabase, type Db, openDatabase } from "./store/db.js";
import { DirectoryRepo } from "./store/directory.repo.js";
import { ExemptionsRepo } from "./store/exemptions.repo.js";
import { JobsRepo } from "./store/jobs.repo.js";
import { LeaversRepo } from "./store/leavers.repo.js";
import { LocksRepo } from "./store/locks.repo.js";
import { SchedulesRepo } from "./store/schedules.repo.js";
import { SyncRunsRepo } from "./store/syncRuns.repo.js";
import { TrendRepo } from "./store/trend.repo.js";
import { WorkflowStepsRepo } from "./store/workflowSteps.repo.js";

/**
 * The core of the application context: config, clock, logger, database and the directory's questions
 * (lookups, reporting lines). It loads no Gong client, no service and no adapter, so a command that
 * answers from the local directory (`gongops user`, `chain`, `reports`) starts in a fraction of the
 * time. context.ts grows the same object into the whole AppContext; a lookup that must ask Gong (a stale
 * or missing snapshot) goes through the GongSide its creator gave it.
 */
export interface CoreContext {
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
    leavers: LeaversRepo;
    workflowSteps: WorkflowStepsRepo;
  };
  directory: {
    lookup: DirectoryLookup;
    hierarchy: Hierarchy;
  };
  close(): Promise<void>;
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

/**
 * What a lookup asks of Gong when the directory cannot answer (a stale or missing snapshot, a user not in
 * it): Gong's two user reads and a directory sync. Whoever grows the core supplies it (context.ts, or the
 * CLI, which loads Gong's side only then), so that this module never reaches up to the services.
 */
export interface GongSide {
  client: Pick<GongClient, "getUser" | "getUsersExtensive">;
  refresh(): Promise<void>;
}

export function createCoreContext(
  options: ContextOptions,
  /** Gong's side, loaded on first use; null where there is none (it is never asked without credentials). */
  gongSide: (() => Promise<GongSide>) | null,
): CoreContext {
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
    leavers: new LeaversRepo(db),
    workflowSteps: new WorkflowStepsRepo(db),
  };
  const hierarchy = new Hierarchy(repos.directory);
  // Without Gong credentials there is no Gong to ask; with them, Gong's side loads when first asked.
  const live = config.gong.auth !== null ? gongSide : null;
  const lookup = new DirectoryLookup({
    directory: repos.directory,
    names: async () => (await hierarchy.index())?.names() ?? [],
    gong: live
      ? {
          getUser: async (...args) => (await live()).client.getUser(...args),
          getUsersExtensive: async (...args) => (await live()).client.getUsersExtensive(...args),
        }
      : null,
    refresh: live ? async () => (await live()).refresh() : null,
    freshnessMinutes: config.directory.freshnessMinutes,
    log: log.child("lookup"),
    clock,
  });
  let closed = false;
  const core: CoreContext = {
    config,
    clock,
    log,
    db,
    repos,
    directory: { lookup, hierarchy },
    close: async () => {
      // Idempotent: faces and tests may both close on the way out.
      if (closed) return;
      closed = true;
      await closeDatabase(db);
    },
  };
  return core;
}
