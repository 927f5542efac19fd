import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";

/**
 * What the Okta and Graph faces of the simulator share (and its Slack workspace, slack.ts): a loopback HTTP server with JSON in and out (or
 * HTTPS, given a certificate: a face reached as a real client reaches it, by URL and trust alone), a
 * bearer check, per-endpoint counts, queued 429s, and timers (the IdP's push to Gong) cleared on close.
 */

/** A certificate and its key, PEM, for a face served over HTTPS. */
export interface SimTls {
  key: string;
  cert: string;
}

export interface IdpReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface IdpCtx {
  method: string;
  url: URL;
  /** Path segments, decoded. */
  parts: string[];
  /** The JSON body, or for a form post (an OAuth token request) its fields. */
  body: unknown;
  headers: IncomingMessage["headers"];
}

export abstract class IdpSimServer {
  url = "";
  readonly stats = { requests: 0, byEndpoint: {} as Record<string, number>, sent429: 0 };
  private readonly server: Server;
  private readonly timers = new Set<NodeJS.Timeout>();
  private pending429: { times: number; endpoint?: string }[] = [];
  private pendingFailures: { endpoint: string; reply: IdpReply; after: number }[] = [];

  constructor(private readonly tls?: SimTls) {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((error) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: `sim crashed: ${(error as Error).message}` }));
      });
    };
    this.server = tls ? createTlsServer({ key: tls.key, cert: tls.cert }, handler) : createServer(handler);
  }

  /** Whether the face is served over HTTPS. */
  get secure(): boolean {
    return this.tls !== undefined;
  }

  /** Whether the request's credentials are good (Authorization, and a DPoP proof where one is asked). */
  protected abstract authorized(ctx: IdpCtx): boolean | Promise<boolean>;
  /** The vendor's own rate limit: counts this request, and answers its 429 when it is over (null: go on). */
  protected throttled(_endpoint: string): IdpReply | null {
    return null;
  }
  /** Rate-limit headers the vendor sends on every answer (Okta's X-Rate-Limit-*). */
  protected rateHeaders(_endpoint: string): Record<string, string> {
    return {};
  }
  /** Endpoints that take no bearer token (an OAuth token endpoint, its metadata). */
  protected open(_endpoint: string): boolean {
    return false;
  }
  protected abstract unauthorized(): IdpReply;
  /** The endpoint template of a request, e.g. "DELETE /api/v1/apps/{appId}/users/{userId}". */
  protected abstract endpointOf(method: string, parts: string[]): string;
  protected abstract route(endpoint: string, ctx: IdpCtx): IdpReply | Promise<IdpReply>;
  /** The vendor's 429. */
  protected abstract tooMany(): IdpReply;

  async listen(host = "127.0.0.1", port = 0): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => resolve());
    });
    const { address, port: p } = this.server.address() as AddressInfo;
    this.url = `${this.tls ? "https" : "http"}://${address}:${p}`;
  }

  /** After letting `after` requests to `endpoint` through, the next one gets `reply` (a refusal). */
  failNext(endpoint: string, reply: IdpReply, after = 0): void {
    this.pendingFailures.push({ endpoint, reply, after });
  }

  /** The next `times` requests (to `endpoint`, or any) get the vendor's 429. */
  rateLimit(times = 1, endpoint?: string): void {
    this.pending429.push({ times, endpoint });
  }

  /** Runs `fn` after `ms` (the IdP pushing a change to Gong); cancelled when the server closes. */
  protected later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private lastFailure: IdpReply | null = null;

  /** Counts this request against the refusal queued for its endpoint; true when the refusal is due. */
  private takeFailure(endpoint: string): boolean {
    const i = this.pendingFailures.findIndex((f) => f.endpoint === endpoint);
    if (i < 0) return false;
    const f = this.pendingFailures[i]!;
    if (f.after > 0) {
      f.after--;
      return false;
    }
    this.pendingFailures.splice(i, 1);
    this.lastFailure = f.reply;
    return true;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://sim");
    const method = req.method ?? "GET";
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const endpoint = this.endpointOf(method, parts);
    this.stats.requests++;
    this.stats.byEndpoint[endpoint] = (this.stats.byEndpoint[endpoint] ?? 0) + 1;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown;
    if (/application\/x-www-form-urlencoded/i.test(req.headers["content-type"] ?? ""))
      body = Object.fromEntries(new URLSearchParams(text));
    else
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
    const ctx: IdpCtx = { method, url, parts, body, headers: req.headers };
    let reply: IdpReply;
    const limit = this.pending429.find((r) => r.times > 0 && (!r.endpoint || r.endpoint === endpoint));
    if (!this.open(endpoint) && !(await this.authorized(ctx))) reply = this.unauthorized();
    else if (this.takeFailure(endpoint)) reply = this.lastFailure!;
    else if (limit) {
      limit.times--;
      this.stats.sent429++;
      reply = this.tooMany();
    } else reply = this.throttled(endpoint) ?? (await this.route(endpoint, ctx));
    const headers: Record<string, string> = { ...this.rateHeaders(endpoint), ...reply.headers };
    if (reply.body !== undefined) headers["content-type"] = "application/json";
    res.writeHead(reply.status, headers);
    res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
  }
}
