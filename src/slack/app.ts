import type { ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { App, type Logger as BoltLogger, LogLevel } from "@slack/bolt";
import type { AppContext } from "../context.js";
import type { Logger } from "../log.js";
import { SlackAccess } from "./access.js";
import { SlackAuditRunner } from "./auditRunner.js";
import { HomePublisher } from "./home.js";
import { registerListeners } from "./listeners/index.js";
import { LiveLookupBudget } from "./liveBudget.js";
import type { SlackServices } from "./services.js";

/**
 * Builds the Bolt app and registers the listeners; nothing else. Socket Mode when SLACK_APP_TOKEN is
 * set (no public URL needed), otherwise Bolt's HTTP receiver with SLACK_SIGNING_SECRET on PORT
 * (/slack/events). Both serve GET /health.
 */
export interface SlackAppOptions {
  port?: number;
  /** Minimum time between progress updates of an audit message. */
  updateEveryMs?: number;
}

export interface SlackAppHandle {
  app: App;
  services: SlackServices;
  start(): Promise<{ port: number | null }>;
  stop(): Promise<void>;
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

export function createSlackApp(ctx: AppContext, options: SlackAppOptions = {}): SlackAppHandle {
  const { slack } = ctx.config;
  const log = ctx.log.child("slack");
  const port = options.port ?? slack.port;
  const health = (_req: unknown, res: ServerResponse) => {
    const state = ctx.repos.directory.state();
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        ok: true,
        mode: slack.appToken ? "socket" : "http",
        directorySyncedAt: state?.syncedAt ?? null,
        auditRunning: ctx.audit?.running() !== null && ctx.audit?.running() !== undefined,
      }),
    );
  };
  const common = {
    token: slack.botToken!.reveal(),
    logger: boltLogger(log),
    logLevel: LogLevel.INFO,
    // Bolt's conversation-state middleware does work on every request that gongops never uses.
    convoStore: false as const,
    clientOptions: {
      ...(slack.apiUrl ? { slackApiUrl: `${slack.apiUrl}/` } : {}),
      retryConfig: { retries: 2 },
    },
    customRoutes: [{ path: "/health", method: ["GET"], handler: health }],
  };
  const app = slack.appToken
    ? new App({ ...common, socketMode: true, appToken: slack.appToken.reveal(), installerOptions: { port } })
    : new App({ ...common, signingSecret: slack.signingSecret!.reveal() });

  const access = new SlackAccess(ctx.config.access, log.child("access"));
  const home = new HomePublisher({
    syncRuns: ctx.repos.syncRuns,
    audits: ctx.repos.audits,
    access,
    adminUserIds: ctx.config.access.adminUserIds,
    log,
  });
  const audits = new SlackAuditRunner({
    audit: ctx.audit!,
    audits: ctx.repos.audits,
    directory: ctx.repos.directory,
    log: log.child("audit"),
    onChange: () => void home.refreshAll(app.client),
    updateEveryMs: options.updateEveryMs,
  });
  const services: SlackServices = { ctx, access, audits, home, liveLookups: new LiveLookupBudget(), log };
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
    async start() {
      if (slack.appToken) {
        await app.start();
        log.info("gongops is connected to Slack (Socket Mode)", { healthPort: port });
        audits.recover(app.client);
        return { port: null };
      }
      const server = (await app.start(port)) as { address(): AddressInfo | string | null };
      const address = server.address();
      const bound = typeof address === "object" && address ? address.port : port;
      log.info("gongops is listening for Slack", { port: bound, path: "/slack/events" });
      audits.recover(app.client);
      return { port: bound };
    },
    async stop() {
      await audits.stop();
      await app.stop();
    },
  };
}
