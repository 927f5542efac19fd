import type { Server } from "node:http";
import { App, type Logger as BoltLogger, LogLevel } from "@slack/bolt";
import type { GongContext } from "../context.js";
import { GongopsError } from "../errors.js";
import { JobWorker } from "../jobs/index.js";
import type { Logger } from "../log.js";
import { SlackAccess } from "./access.js";
import { SlackPeopleDirectory } from "./approvals.js";
import { SlackApprovalsNotifier } from "./approvalsNotifier.js";
import { SlackAuditRunner } from "./auditRunner.js";
import { SLACK_ENDPOINT, SlackFront } from "./front.js";
import { HomePublisher } from "./home.js";
import { SlackLeaversNotifier } from "./leaversNotifier.js";
import { registerListeners } from "./listeners/index.js";
import { LiveLookupBudget } from "./liveBudget.js";
import {
  closeServer,
  healthRoute,
  listen,
  opsRoutes,
  type Readiness,
  type Route,
  routesServer,
} from "./opsServer.js";
import { slackScheduleRunner } from "./scheduleOutput.js";
import type { SlackServices } from "./services.js";
import { slackClientOptions } from "./webClient.js";
import { slackStepFace } from "./workflowStep.js";

/**
 * Builds the Bolt app and registers the listeners. Socket Mode when SLACK_APP_TOKEN is set (no public URL
 * needed), otherwise the Slack front (front.ts): PORT served from a thread of its own, which checks each
 * request to /slack/events with SLACK_SIGNING_SECRET (guard.ts), acks at once where it may, and hands
 * the request to Bolt here. Both serve GET /health, /ready and /metrics (opsServer.ts). Slack's
 * auth.test must pass before Slack's requests are taken: a bad token or an unreachable Slack is one
 * plain line.
 */

/** Slack refused the bot token, or could not be reached, when gongops started. */
export class SlackStartError extends GongopsError {}

const TOKEN_REFUSED = new Set([
  "invalid_auth",
  "not_authed",
  "account_inactive",
  "token_revoked",
  "token_expired",
]);

function startFailure(error: unknown, apiUrl: string | null): GongopsError {
  const e = error as { code?: string; data?: { error?: string }; original?: Error; message?: string };
  if (e.code === "slack_webapi_platform_error" && TOKEN_REFUSED.has(e.data?.error ?? "")) {
    return new SlackStartError(
      "CONFIG_INVALID",
      `Slack refused SLACK_BOT_TOKEN (${e.data?.error}): use the Bot User OAuth Token (xoxb-…) of the installed app`,
    );
  }
  if (e.code === "slack_webapi_platform_error") {
    return new SlackStartError(
      "SLACK_UNAVAILABLE",
      `Slack's auth.test failed (${e.data?.error ?? "unknown error"})`,
    );
  }
  const reason = e.original?.message ?? e.message ?? String(error);
  return new SlackStartError(
    "SLACK_UNAVAILABLE",
    `cannot reach Slack's Web API at ${apiUrl ?? "https://slack.com/api"} (${reason}); check the network and SLACK_API_URL`,
  );
}

export interface SlackAppOptions {
  port?: number;
  /** Minimum time between progress updates of an audit message. */
  updateEveryMs?: number;
}

export interface SlackAppHandle {
  app: App;
  services: SlackServices;
  start(): Promise<{ port: number | null }>;
  /** Stops taking work, pauses audits, gives running jobs back, closes what listens. */
  stop(): Promise<void>;
  /** For an exit that cannot wait for stop(): gives the running jobs' leases back, synchronously. */
  abandon(): void;
}

/** Bolt's logger on top of ours, so Bolt's lines are redacted and go to stderr like the rest. */
function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const text = (msg: unknown[]) =>
    msg
      .map((m) => (m instanceof Error ? m.message : typeof m === "string" ? m : JSON.stringify(m)))
      .join(" ");
  return {
    debug: (...m) => log.debug(text(m)),
    info: (...m) => log.info(text(m)),
    warn: (...m) => log.warn(text(m)),
    error: (...m) => log.error(text(m)),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

export function createSlackApp(ctx: GongContext, options: SlackAppOptions = {}): SlackAppHandle {
  const { slack } = ctx.config;
  const log = ctx.log.child("slack");
  const port = options.port ?? slack.port;
  // Readiness: what must be true before gongops can do its work (GET /ready).
  const readiness: Readiness = { slack: false, worker: false };
  const health = healthRoute(slack.appToken ? "socket" : "http");
  const ops = opsRoutes(ctx, readiness, log);
  // /ready and /metrics on an address of their own when one is set; in Socket Mode, where nothing else
  // listens, on loopback unless told otherwise. HTTP mode serves them beside /slack/events otherwise.
  const opsAddress = slack.metricsAddr ?? (slack.appToken ? { host: "127.0.0.1", port } : null);
  const routes: Record<string, Route> = opsAddress ? { "/health": health } : { "/health": health, ...ops };
  const common = {
    token: slack.botToken!.reveal(),
    logger: boltLogger(log),
    logLevel: LogLevel.INFO,
    // Bolt's conversation-state middleware does work on every request that gongops never uses.
    convoStore: false as const,
    // A timeout and a bounded retry (webClient.ts): Socket Mode's connection client gets them too.
    clientOptions: slackClientOptions(ctx.config),
  };
  const front = slack.appToken
    ? null
    : new SlackFront({
        port,
        signingSecret: slack.signingSecret?.reveal() ?? "",
        routes,
        log,
        onAck: (listener, seconds) => ctx.metrics.slackAck.observe({ listener }, seconds),
      });
  // Initialised in start(), where a failed auth.test can be reported plainly instead of as a crash.
  const app = front
    ? new App({ ...common, receiver: front, deferInitialization: true })
    : new App({
        ...common,
        socketMode: true,
        appToken: slack.appToken!.reveal(),
        deferInitialization: true,
      });
  /** The operations address's server, once listening (PORT's is the front's). */
  let opsServer: Server | null = null;
  /** Set by stop(): a start still under way (Slack slow to answer) then starts no work. */
  let stopping = false;
  const closeServers = async () => {
    const ops = opsServer;
    opsServer = null;
    await Promise.all([front?.stop(), closeServer(ops)]);
  };
  const access = new SlackAccess(ctx.config.access, log.child("access"), ctx.clock);
  const home = new HomePublisher({
    syncRuns: ctx.repos.syncRuns,
    audits: ctx.repos.audits,
    access,
    adminUserIds: ctx.config.access.adminUserIds,
    log,
    approvals: ctx.approvals,
    schedules: ctx.repos.schedules,
    trend: ctx.trend,
    leavers: ctx.leavers,
  });
  const audits = new SlackAuditRunner({
    audit: ctx.audit,
    audits: ctx.repos.audits,
    jobs: ctx.repos.jobs,
    approvals: ctx.repos.approvals,
    directory: ctx.repos.directory,
    leavers: ctx.leavers,
    log: log.child("audit"),
    clock: ctx.clock,
    onChange: () => void home.refreshAll(app.client),
    updateEveryMs: options.updateEveryMs,
  });
  // Work that must happen later (resuming a paused audit in its message) waits in the job queue, so
  // that a restart loses none of it and two processes never do it twice.
  const schedules = slackScheduleRunner(ctx, {
    log: log.child("schedules"),
    onChange: () => void home.refreshAll(app.client),
    onEnqueued: () => worker.wake(),
  });
  const worker = new JobWorker({
    repo: ctx.repos.jobs,
    jobs: ctx.jobKinds.register(audits.resumeJob).register(schedules.job),
    log: log.child("jobs"),
    clock: ctx.clock,
    leaseMs: ctx.config.leaseSeconds * 2000,
    // Half of the stop's grace for running jobs; then they are given back and the rest can close.
    stopGraceMs: (ctx.config.stopGraceSeconds * 1000) / 2,
    retentionMs: ctx.config.jobRetentionDays * 86_400_000,
  });
  const approvals = new SlackApprovalsNotifier(
    ctx.approvals,
    ctx.repos.approvals,
    () => app.client,
    log.child("approvals"),
    ctx.clock,
    ctx.config.access.adminUserIds,
  );
  const people = new SlackPeopleDirectory(() => app.client, log.child("approvals"), ctx.clock);
  ctx.approvals.connect({
    slack: people,
    notifier: approvals,
    wake: () => worker.wake(),
    steps: slackStepFace(() => app.client, log.child("workflow")),
  });
  // Leavers: Slack's accounts (users.list), the admins told, the worker woken for their jobs.
  ctx.leavers.connect({
    slack: people,
    notifier: new SlackLeaversNotifier(
      () => app.client,
      { channel: ctx.config.approvals.channel, adminUserIds: ctx.config.access.adminUserIds },
      log.child("leavers"),
    ),
    wake: () => {
      worker.wake();
      void home.refreshAll(app.client);
    },
  });
  const services: SlackServices = {
    ctx,
    access,
    audits,
    home,
    liveLookups: new LiveLookupBudget(10, 10 * 60_000, ctx.clock),
    log,
    approvals,
    schedules,
  };
  registerListeners(app, services);
  app.error(async (error) => {
    log.error("unhandled error in a listener", { reason: error.message });
  });
  if (ctx.config.access.adminUserIds.length === 0 && !ctx.config.access.adminUsergroupId) {
    log.warn(
      "no gongops admins are configured (GONGOPS_ADMIN_USER_IDS, GONGOPS_ADMIN_USERGROUP_ID): nobody can audit from Slack",
    );
  }

  return {
    app,
    services,
    /**
     * HTTP mode opens its port first, so that /health and /ready answer while Slack is asked (/ready is
     * 503 until auth.test passes, and /slack/events too); a refused token or an unreachable Slack then
     * closes it again and stops gongops with one line. Socket Mode serves them once connected.
     */
    async start() {
      let bound: number | null = null;
      try {
        if (front) {
          bound = await front.start();
          log.info("serving health and readiness", { port: bound });
        }
        if (opsAddress) {
          opsServer = routesServer({ "/health": health, ...ops }, log);
          const opsPort = await listen(opsServer, opsAddress.port, opsAddress.host);
          log.info("serving /ready and /metrics", { host: opsAddress.host, port: opsPort });
        }
      } catch (error) {
        await closeServers();
        throw new GongopsError("CONFIG_INVALID", `cannot listen: ${(error as Error).message}`);
      }
      try {
        await app.init();
        readiness.slack = true;
        front?.ready();
      } catch (error) {
        await closeServers();
        throw startFailure(error, slack.apiUrl);
      }
      if (stopping) return { port: bound };
      if (slack.appToken) {
        await app.start();
        log.info("gongops is connected to Slack (Socket Mode)");
      } else log.info("gongops is listening for Slack", { port: bound, path: SLACK_ENDPOINT });
      if (stopping) return { port: bound };
      audits.recover(app.client);
      worker.start();
      readiness.worker = true;
      schedules.start();
      // The first leavers check now (one per freshness window across processes), each queueing the next.
      try {
        ctx.leavers.scheduleChecks();
      } catch (error) {
        log.warn("could not queue the leavers check", { err: error });
      }
      return { port: bound };
    },
    async stop() {
      // Nothing new starts; running audits pause (their resume jobs then end), and the worker waits at
      // most half the grace for its jobs before it gives them back. Both at once: a pause that hangs on
      // Slack does not keep the jobs' leases.
      stopping = true;
      // App Home reads the database: a refresh that a pausing audit starts must not outlive it.
      home.stop();
      readiness.worker = false;
      schedules.stop();
      await Promise.all([audits.stop(), worker.stop()]);
      if (slack.appToken) await app.stop();
      await closeServers();
    },
    abandon() {
      worker.giveBackRunning();
    },
  };
}
