import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { App, type Logger as BoltLogger, HTTPReceiver, LogLevel } from "@slack/bolt";
import type { AppContext } from "../context.js";
import { GongopsError } from "../errors.js";
import { JobWorker } from "../jobs/index.js";
import type { Logger } from "../log.js";
import { SlackAccess } from "./access.js";
import { SlackAuditRunner } from "./auditRunner.js";
import { checkSlackRequest } from "./guard.js";
import { HomePublisher } from "./home.js";
import { registerListeners } from "./listeners/index.js";
import { LiveLookupBudget } from "./liveBudget.js";
import { slackScheduleRunner } from "./scheduleOutput.js";
import type { SlackServices } from "./services.js";

/**
 * Builds the Bolt app and registers the listeners. Socket Mode when SLACK_APP_TOKEN is set (no public URL
 * needed), otherwise our own HTTP server on PORT that checks each request to /slack/events (guard.ts)
 * before handing it to Bolt's HTTP receiver with SLACK_SIGNING_SECRET. Both serve GET /health. Slack's
 * auth.test must pass before anything listens: a bad token or an unreachable Slack is one plain line.
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

/** The body of a request, at most `limit` bytes; null when it is larger. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on("end", () => resolve(size > limit ? null : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

const BODY_LIMIT = 4 * 1024 * 1024;
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
  const { customRoutes, ...rest } = common;
  const signingSecret = slack.signingSecret?.reveal() ?? "";
  const receiver = slack.appToken
    ? null
    : new HTTPReceiver({ signingSecret, endpoints: "/slack/events", logger: rest.logger });
  // Initialised in start(), where a failed auth.test can be reported plainly instead of as a crash.
  const app = receiver
    ? new App({ ...rest, receiver, deferInitialization: true })
    : new App({
        ...common,
        socketMode: true,
        appToken: slack.appToken!.reveal(),
        installerOptions: { port },
        deferInitialization: true,
      });
  let server: Server | null = null;
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://local").pathname;
    if (req.method === "GET" && path === "/health") return health(req, res);
    if (path === "/slack/events" && req.method === "POST") {
      const rawBody = await readBody(req, BODY_LIMIT);
      if (rawBody === null) return void res.writeHead(413).end();
      const check = checkSlackRequest({ headers: req.headers, rawBody, signingSecret, nowMs: Date.now() });
      if (!check.ok) {
        log.warn("refused a request to /slack/events", { status: check.status, reason: check.reason });
        return void res.writeHead(check.status).end();
      }
      // Bolt reads an already buffered body from here (HTTPModuleFunctions.bufferIncomingMessage).
      (req as IncomingMessage & { rawBody: Buffer }).rawBody = rawBody;
    }
    receiver!.requestListener(req, res);
  };

  const access = new SlackAccess(ctx.config.access, log.child("access"));
  const home = new HomePublisher({
    syncRuns: ctx.repos.syncRuns,
    audits: ctx.repos.audits,
    access,
    adminUserIds: ctx.config.access.adminUserIds,
    log,
    schedules: ctx.repos.schedules,
  });
  const audits = new SlackAuditRunner({
    audit: ctx.audit!,
    audits: ctx.repos.audits,
    jobs: ctx.repos.jobs,
    directory: ctx.repos.directory,
    log: log.child("audit"),
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
    jobs: [audits.resumeJob, schedules.job],
    log: log.child("jobs"),
  });
  const services: SlackServices = {
    ctx,
    access,
    audits,
    home,
    liveLookups: new LiveLookupBudget(),
    log,
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
    async start() {
      try {
        await app.init();
      } catch (error) {
        throw startFailure(error, slack.apiUrl);
      }
      if (slack.appToken) {
        await app.start();
        log.info("gongops is connected to Slack (Socket Mode)", { healthPort: port });
        audits.recover(app.client);
        worker.start();
        schedules.start();
        return { port: null };
      }
      const http = createServer((req, res) => {
        serve(req, res).catch((error: unknown) => {
          log.error("a request to the Slack endpoint failed", { reason: (error as Error).message });
          if (!res.headersSent) res.writeHead(500);
          res.end();
        });
      });
      server = http;
      await new Promise<void>((resolve, reject) => {
        http.once("error", reject);
        http.listen(port, () => resolve());
      });
      const address = http.address() as AddressInfo | string | null;
      const bound = typeof address === "object" && address ? address.port : port;
      log.info("gongops is listening for Slack", { port: bound, path: "/slack/events" });
      audits.recover(app.client);
      worker.start();
      schedules.start();
      return { port: bound };
    },
    async stop() {
      // Audits first: they pause at once (and their resume jobs end), then the worker has nothing to wait for.
      await audits.stop();
      schedules.stop();
      await worker.stop();
      if (slack.appToken) await app.stop();
      else if (server) {
        const s = server;
        server = null;
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };
}
