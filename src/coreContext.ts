import type { Dispatcher } from "undici";
import { type Clock, systemClock } from "./clock.js";
import { type Config, configSecrets } from "./config.js";
import type { AppContext } from "./context.js";
import { Hierarchy } from "./directory/hierarchy.service.js";
import { DirectoryLookup, type LookupDeps } from "./directory/lookup.service.js";
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
import { LocksRepo } from "./store/locks.repo.js";
import { SchedulesRepo } from "./store/schedules.repo.js";
import { SyncRunsRepo } from "./store/syncRuns.repo.js";
import { TrendRepo } from "./store/trend.repo.js";

/**
 * The core of the application context: config, clock, logger, database and the directory's questions
 * (lookups, reporting lines). It loads no Gong client, no service and no adapter, so a command that
 * answers from the local directory (`gongops user`, `chain`, `reports`) starts in a fraction of the
 * time. `full()` grows the same object into the whole AppContext (context.ts), loading those modules then;
 * a lookup that must ask Gong (a stale or missing snapshot) does so itself.
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
  };
  directory: {
    lookup: DirectoryLookup;
    hierarchy: Hierarchy;
  };
  /** This context, grown into the whole AppContext (Gong's connection and every service) on first call. */
  full(): Promise<AppContext>;
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

export function createCoreContext(options: ContextOptions): CoreContext {
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
  };
  const hierarchy = new Hierarchy(repos.directory);
  // Without Gong credentials there is no Gong to ask; with them, the Gong side loads when first asked.
  const withGong = config.gong.auth !== null;
  const gongSide = async () => (await import("./context.js")).requireGong(await core.full());
  const live: LookupDeps["gong"] = withGong
    ? {
        getUser: async (...args) => (await gongSide()).gong.client.getUser(...args),
        getUsersExtensive: async (...args) => (await gongSide()).gong.client.getUsersExtensive(...args),
      }
    : null;
  const lookup = new DirectoryLookup({
    directory: repos.directory,
    names: async () => (await hierarchy.index())?.names() ?? [],
    gong: live,
    refresh: withGong
      ? async () => {
          await (await gongSide()).directory.sync.run({ trigger: "lookup" });
        }
      : null,
    freshnessMinutes: config.directory.freshnessMinutes,
    log: log.child("lookup"),
    clock,
  });
  let growing: Promise<AppContext> | null = null;
  let closed = false;
  const core: CoreContext = {
    config,
    clock,
    log,
    db,
    repos,
    directory: { lookup, hierarchy },
    // context.ts replaces this once it has grown the context (so later calls load nothing).
    full: () => {
      growing ??= import("./context.js").then(({ growContext }) => growContext(core, options));
      return growing;
    },
    close: async () => {
      // Idempotent: faces and tests may both close on the way out.
      if (closed) return;
      closed = true;
      await closeDatabase(db);
    },
  };
  return core;
}
