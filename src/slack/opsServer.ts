import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { AppContext } from "../context.js";
import type { Logger } from "../log.js";

/**
 * The operations endpoints of `gongops start`: GET /health (alive, nothing else checked: a container
 * restarts a process that stops answering it), GET /ready (the database, Slack's auth.test and the job
 * worker) and GET /metrics (Prometheus). /ready and /metrics say how the deployment is doing, so they
 * need not face the world: GONGOPS_METRICS_ADDR puts them on an address of their own, and in Socket
 * Mode, where nothing else listens, they are on loopback unless told otherwise.
 */
export type Route = () => Answer | Promise<Answer>;

/**
 * What a route answers, as data: the Slack front (front.ts) serves PORT from its own thread and asks
 * this thread for the answer, so a route never touches a socket itself.
 */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** What must be true before gongops can do its work. */
export interface Readiness {
  slack: boolean;
  worker: boolean;
}

const json = (status: number, body: unknown): Answer => ({
  status,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

export function healthRoute(mode: "socket" | "http"): Route {
  return () => json(200, { ok: true, mode });
}

/** /ready and /metrics. */
export function opsRoutes(ctx: AppContext, readiness: Readiness, log: Logger): Record<string, Route> {
  return {
    "/ready": () => {
      const problems: string[] = [];
      try {
        ctx.db.$client.prepare("SELECT count(*) FROM __drizzle_migrations").get();
      } catch {
        problems.push("the database is not open or not migrated");
      }
      if (!readiness.slack) problems.push("Slack's auth.test has not succeeded yet");
      if (!readiness.worker) problems.push("the job worker is not running");
      return json(problems.length ? 503 : 200, { ready: problems.length === 0, problems });
    },
    "/metrics": async () => {
      try {
        const { contentType, body } = await ctx.metrics.render();
        return { status: 200, headers: { "content-type": contentType }, body };
      } catch (error) {
        log.error("could not render the metrics", { err: error });
        return json(500, { error: "metrics unavailable" });
      }
    },
  };
}

export function sendAnswer(res: ServerResponse, answer: Answer): void {
  res.writeHead(answer.status, answer.headers).end(answer.body);
}

/** A route's answer; a route that throws is logged and answered 500. */
export async function answerOf(route: Route, log: Logger): Promise<Answer> {
  try {
    return await route();
  } catch (error) {
    log.error("an operations route failed", { err: error });
    return json(500, { error: "internal error" });
  }
}

/** A server for GET routes only (anything else is 404). */
export function routesServer(routes: Record<string, Route>, log: Logger): Server {
  return createServer((req, res) => {
    const route = routes[new URL(req.url ?? "/", "http://local").pathname];
    if (req.method !== "GET" || !route) return void res.writeHead(404).end();
    void answerOf(route, log).then((answer) => sendAnswer(res, answer));
  });
}

/** Listens on `host` (every interface when undefined) and `port`; resolves with the port it got. */
export async function listen(server: Server, port: number, host?: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo | string | null;
  return typeof address === "object" && address ? address.port : port;
}

/** Closes a server and every connection it still has (keep-alive ones would hold it open). */
export async function closeServer(server: Server | null): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
