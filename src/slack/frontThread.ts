/**
 * The Slack front's thread (front.ts starts it): PORT's HTTP server. It reads and checks each request to
 * /slack/events (guard.ts), acks what earlyAck.ts says it may at once, and passes the request to the app's
 * thread; everything else it asks the app's thread for. Nothing here waits for the app's event loop
 * before an ack it may give itself, which is the point: an audit's work, or other commands', no longer
 * delays Slack's acks (issue 22, bench:slack). This module runs only as a worker thread.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parentPort, workerData } from "node:worker_threads";
import { systemClock } from "../clock.js";
import { earlyAnswer } from "./earlyAck.js";
import type { FromFront, FrontData, FrontEvent, ToFront } from "./frontMessages.js";
import { checkSlackRequest } from "./guard.js";
import { type Answer, sendAnswer } from "./opsServer.js";

const data = workerData as FrontData;
const busy = new Int32Array(data.busy);
const port = parentPort!;
const post = (message: FromFront) => port.postMessage(message);

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

const header = (req: IncomingMessage, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** Requests waiting for the app's thread, by id; each ends once (an answer, a timeout or the close). */
const waiting = new Map<number, { res: ServerResponse; timer?: NodeJS.Timeout }>();
let nextId = 1;
let ready = false;

function wait(res: ServerResponse, timeoutMs?: number, onTimeout?: () => void): number {
  const id = nextId++;
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          waiting.delete(id);
          onTimeout?.();
        }, timeoutMs);
  waiting.set(id, { res, timer });
  return id;
}

function answer(id: number, a: Answer): void {
  const w = waiting.get(id);
  if (!w) return;
  waiting.delete(id);
  clearTimeout(w.timer);
  if (!w.res.headersSent) sendAnswer(w.res, a);
}

/**
 * Acks first, work after: the events the front acked itself wait here until no request to /slack/events
 * has arrived for QUIET_MS (nor is being read), then go to the app together; never longer than
 * MAX_HOLD_MS. A burst of commands (twenty people at once, a workflow) is thus acked before the app's
 * thread starts on their work: measured in bench:slack, that work, run beside the acks on two cores, was
 * what kept them at 3.5 times a bare server's, the app's event loop no longer being in their way.
 */
const QUIET_MS = 15;
const MAX_HOLD_MS = 100;
const held: FrontEvent[] = [];
let reading = 0;
let quietTimer: NodeJS.Timeout | undefined;
let maxTimer: NodeJS.Timeout | undefined;

/**
 * Tells the app's thread whether acked requests are being held (pace.ts's sliced work steps aside
 * meanwhile). Only checked, signed requests count: a client that trickles its bytes in must not pause
 * the app's work.
 */
const showBusy = () => Atomics.store(busy, 0, held.length > 0 ? 1 : 0);

function release(): void {
  clearTimeout(quietTimer);
  clearTimeout(maxTimer);
  quietTimer = maxTimer = undefined;
  for (const event of held.splice(0)) post(event);
  showBusy();
}

/** Restarts the quiet period (a request arrived, or one was held). */
function stillBusy(): void {
  if (held.length === 0) return;
  clearTimeout(quietTimer);
  quietTimer = setTimeout(() => {
    if (reading === 0) release();
    else stillBusy();
  }, QUIET_MS);
}

function hold(event: FrontEvent): void {
  held.push(event);
  showBusy();
  maxTimer ??= setTimeout(release, MAX_HOLD_MS);
  stillBusy();
}

async function slackEvent(req: IncomingMessage, res: ServerResponse): Promise<void> {
  reading++;
  stillBusy();
  try {
    await checkedEvent(req, res);
  } finally {
    reading--;
  }
}

async function checkedEvent(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now();
  if (!ready) return void res.writeHead(503).end();
  if (req.method !== "POST") return void res.writeHead(405, { allow: "POST" }).end();
  const rawBody = await readBody(req, data.bodyLimit);
  if (rawBody === null) return void res.writeHead(413).end();
  // Slack's signature timestamp is checked against the real time, never a pinned or virtual clock.
  const check = checkSlackRequest({
    headers: req.headers,
    rawBody,
    signingSecret: data.signingSecret,
    nowMs: systemClock.now(),
  });
  if (!check.ok) {
    post({ type: "refused", status: check.status, reason: check.reason });
    return void res.writeHead(check.status).end();
  }
  const early = earlyAnswer(check.body);
  if (early.kind === "answer") return sendAnswer(res, early.answer);
  const retryNum = header(req, "x-slack-retry-num");
  const retryReason = header(req, "x-slack-retry-reason");
  const event = {
    body: check.body,
    ...(retryNum !== undefined ? { retryNum: Number.parseInt(retryNum, 10) } : {}),
    ...(retryReason !== undefined ? { retryReason } : {}),
  };
  if (early.kind === "ack") {
    res.writeHead(200).end();
    return hold({ type: "event", id: 0, acked: true, ackMs: performance.now() - started, ...event });
  }
  // As Bolt's receiver: a request nobody acks in time gets a 404 (a workflow step gets longer).
  const inner = check.body.event as { type?: string } | undefined;
  const timeoutMs = inner?.type === "function_executed" ? 5001 : 3001;
  const id = wait(res, timeoutMs, () => {
    if (!res.headersSent) res.writeHead(404).end();
    post({ type: "unacked", id });
  });
  // What was held goes first: the app sees Slack's requests in the order they came.
  release();
  post({ type: "event", id, acked: false, ...event });
}

const server = createServer((req, res) => {
  const path = new URL(req.url ?? "/", "http://local").pathname;
  if (path === data.endpoint) {
    slackEvent(req, res).catch((error: unknown) => {
      post({ type: "failed", reason: (error as Error).message ?? String(error) });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
    return;
  }
  if (req.method !== "GET" || !data.routes.includes(path)) return void res.writeHead(404).end();
  post({ type: "get", id: wait(res), path });
});

port.on("message", (message: ToFront) => {
  if (message.type === "answer") answer(message.id, message.answer);
  else if (message.type === "ready") ready = true;
  else if (message.type === "close") {
    release();
    for (const id of [...waiting.keys()]) answer(id, { status: 503 });
    server.closeAllConnections();
    server.close(() => post({ type: "closed" }));
  }
});

// Idle connections stay open past a load balancer's own idle timeout (AWS's is 60 s), so that it never
// sends a request down one that Node is closing (a 502 to Slack), and a sender that comes back every
// few seconds does not connect anew each time (Node's default is 5 s).
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;

server.once("error", (error) => post({ type: "listen-failed", reason: error.message }));
server.listen(data.port, data.host, () =>
  post({ type: "listening", port: (server.address() as AddressInfo).port }),
);
