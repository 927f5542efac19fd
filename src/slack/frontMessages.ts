import type { Answer } from "./opsServer.js";

/** What the Slack front's thread (frontThread.ts) is started with. */
export interface FrontData {
  port: number;
  host?: string;
  /** The path Slack posts to (/slack/events). */
  endpoint: string;
  /** The GET paths the app's thread answers (/health, and /ready and /metrics unless elsewhere). */
  routes: string[];
  signingSecret: string;
  bodyLimit: number;
  /** One Int32: 1 while the front is reading requests or holding acked ones (a burst), else 0. */
  busy: SharedArrayBuffer;
}

/** A checked Slack request for the app (Bolt's ReceiverEvent, less its ack). */
export interface FrontEvent {
  type: "event";
  /** What the app's ack answers; 0 when the front has acked already (`acked`). */
  id: number;
  acked: boolean;
  /** When `acked`: how long the front took, from the request's first byte to its ack. */
  ackMs?: number;
  body: Record<string, unknown>;
  retryNum?: number;
  retryReason?: string;
}

/** From the front's thread to the app's. */
export type FromFront =
  | { type: "listening"; port: number }
  | { type: "listen-failed"; reason: string }
  | FrontEvent
  | { type: "get"; id: number; path: string }
  | { type: "refused"; status: number; reason: string }
  | { type: "unacked"; id: number }
  | { type: "failed"; reason: string }
  | { type: "closed" };

/** From the app's thread to the front's. */
export type ToFront = { type: "answer"; id: number; answer: Answer } | { type: "ready" } | { type: "close" };
