import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { type App, AuthorizationError, type Receiver, ReceiverMultipleAckError } from "@slack/bolt";
import type { Logger } from "../log.js";
import { stepAsideWhile } from "../pace.js";
import { ackAnswer } from "./earlyAck.js";
import type { FromFront, FrontData, FrontEvent, ToFront } from "./frontMessages.js";
import { answerOf, type Route } from "./opsServer.js";

/**
 * HTTP mode's receiver: PORT is served by a thread of its own (frontThread.ts), which checks Slack's
 * requests and acks those whose ack is always empty (earlyAck.ts) before this thread sees them. This
 * thread runs Bolt's listeners for every request (app.processEvent), answers the acks the front left to
 * it, and answers the GET routes. Why a thread: the acks' latency was the app's event loop, busy with an
 * audit's work or with other commands' (bench:slack, issue 22), which no slicing brought under twice a
 * bare server's.
 */
export interface FrontOptions {
  port: number;
  host?: string;
  signingSecret: string;
  /** The GET routes served beside /slack/events. */
  routes: Record<string, Route>;
  log: Logger;
  /** How long Slack waited for an ack the front gave (the app's listeners see those acks as done). */
  onAck?: (listener: "command" | "button", seconds: number) => void;
  bodyLimit?: number;
}

export const SLACK_ENDPOINT = "/slack/events";

/**
 * The front's thread. From dist/, its script is an entry of its own beside the chunks (scripts/build.js);
 * from src/ (a checkout without a current build, the tests) it is TypeScript, loaded through tsx as
 * bin/gongops.js loads src/.
 */
function frontThread(data: FrontData): Worker {
  if (!import.meta.url.endsWith(".ts"))
    return new Worker(new URL("./slack-front.js", import.meta.url), { workerData: data });
  const tsxApi = createRequire(import.meta.url).resolve("tsx/esm/api");
  // tsx's ES module API sits beside the CommonJS one that require() finds.
  const tsx = new URL("index.mjs", pathToFileURL(tsxApi)).href;
  const script = new URL("./frontThread.ts", import.meta.url).href;
  return new Worker(
    `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(script)}); });`,
    { eval: true, workerData: data },
  );
}

export class SlackFront implements Receiver {
  private app: App | null = null;
  private thread: Worker | null = null;
  private closed: Promise<void> | null = null;
  /** The front's busy flag (FrontData.busy). */
  private readonly busy = new Int32Array(new SharedArrayBuffer(4));

  constructor(private readonly options: FrontOptions) {}

  init(app: App): void {
    this.app = app;
  }

  /** Starts the front's thread; resolves with the port it listens on. */
  async start(): Promise<number> {
    const { port, host, signingSecret, routes, bodyLimit } = this.options;
    const thread = frontThread({
      port,
      ...(host ? { host } : {}),
      endpoint: SLACK_ENDPOINT,
      routes: Object.keys(routes),
      signingSecret,
      bodyLimit: bodyLimit ?? 4 * 1024 * 1024,
      busy: this.busy.buffer as SharedArrayBuffer,
    });
    this.thread = thread;
    const log = this.options.log;
    this.closed = new Promise<void>((resolve) => {
      thread.once("exit", (code) => {
        if (this.thread === thread && code !== 0)
          log.error("the Slack front's thread ended: Slack's requests are not served", { code });
        this.thread = null;
        resolve();
      });
    });
    thread.on("error", (error) => log.error("the Slack front's thread failed", { reason: error.message }));
    return new Promise<number>((resolve, reject) => {
      const starting = (message: FromFront) => {
        if (message.type === "listening") resolve(message.port);
        else if (message.type === "listen-failed") reject(new Error(message.reason));
        else return;
        thread.off("message", starting);
        thread.on("message", (m: FromFront) => this.received(m));
      };
      thread.on("message", starting);
      thread.once("exit", () => reject(new Error("the Slack front's thread ended while starting")));
    }).catch(async (error: unknown) => {
      await this.stop();
      throw error;
    });
  }

  /** Slack's requests are taken from now on (503 before: auth.test had not passed). */
  ready(): void {
    this.send({ type: "ready" });
    // The app's sliced work (an audit's, a sync's) waits while the front acks a burst.
    stepAsideWhile(() => Atomics.load(this.busy, 0) === 1);
  }

  /** Closes the port and every connection, answers what waits with 503, and ends the thread. */
  async stop(): Promise<void> {
    stepAsideWhile(null);
    const thread = this.thread;
    if (!thread) return;
    const closing = new Promise<void>((resolve) => {
      thread.on("message", (m: FromFront) => m.type === "closed" && resolve());
      thread.once("exit", () => resolve());
    });
    this.send({ type: "close" });
    await closing;
    this.thread = null;
    await thread.terminate();
    await this.closed;
  }

  private send(message: ToFront): void {
    this.thread?.postMessage(message);
  }

  private received(message: FromFront): void {
    const log = this.options.log;
    if (message.type === "event") this.dispatch(message);
    else if (message.type === "get") void this.route(message.id, message.path);
    else if (message.type === "refused")
      log.warn("refused a request to /slack/events", { status: message.status, reason: message.reason });
    else if (message.type === "unacked")
      log.error("a request to /slack/events was not acknowledged within 3 seconds; Slack was answered 404");
    else if (message.type === "failed")
      log.error("a request to the Slack endpoint failed", { reason: message.reason });
  }

  private async route(id: number, path: string): Promise<void> {
    this.send({ type: "answer", id, answer: await answerOf(this.options.routes[path]!, this.options.log) });
  }

  /** Bolt's listeners for one request; the ack answers Slack unless the front has already. */
  private dispatch(event: FrontEvent): void {
    let acked = false;
    const ack = async (response?: unknown) => {
      if (acked) throw new ReceiverMultipleAckError();
      acked = true;
      if (!event.acked) return this.send({ type: "answer", id: event.id, answer: ackAnswer(response) });
      // earlyAck.ts acks only where every listener's ack is empty: this is a bug to see, not to hide.
      if (response)
        this.options.log.warn("a listener answered in its ack, but the front had acked already", {
          type: event.body.type ?? event.body.command,
        });
    };
    const { body, retryNum, retryReason } = event;
    if (event.acked) this.options.onAck?.(body.command ? "command" : "button", (event.ackMs ?? 0) / 1000);
    this.app!.processEvent({
      body,
      ack,
      // context.frontAcked: the listeners' ack middleware does not count a second ack.
      customProperties: { frontAcked: event.acked },
      ...(retryNum !== undefined ? { retryNum } : {}),
      ...(retryReason !== undefined ? { retryReason } : {}),
    }).catch((error: unknown) => {
      this.options.log.error("an unhandled error while Bolt processed a Slack request", {
        reason: (error as Error).message,
      });
      if (acked || event.acked) return;
      acked = true;
      this.send({
        type: "answer",
        id: event.id,
        answer: { status: error instanceof AuthorizationError ? 401 : 500 },
      });
    });
  }
}
