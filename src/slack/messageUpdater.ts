import type { Clock } from "../clock.js";
import type { Logger } from "../log.js";
import type { Block } from "./blocks/common.js";

/**
 * Progress in one Slack message, throttled: the newest view goes out at most every `everyMs` (Slack's
 * chat.update is rate limited per channel, and a progress bar needs no more), updates never overlap,
 * and views superseded while one is in flight are dropped. `stop()` drops what has not gone out and
 * resolves once the last update in flight has ended, so that the final view, sent after it, is last.
 * A failed progress update is only reported: the final view is what must arrive (auditRunner.ts).
 */
export interface UpdaterOptions {
  send: (text: string, blocks: Block[]) => Promise<unknown>;
  everyMs: number;
  onError: (error: unknown) => void;
  /** The one clock: the throttle's instants and its timer. */
  clock: Clock;
}

export interface MessageUpdater {
  /** A new view; `now` sends it at once (a phase change worth showing). */
  push(text: string, blocks: Block[], now?: boolean): void;
  stop(): Promise<void>;
}

export function messageUpdater(options: UpdaterOptions): MessageUpdater {
  const { clock } = options;
  const now = () => clock.now();
  const setTimer = (fn: () => void, ms: number) => clock.setTimeout(fn, ms);
  const clearTimer = (t: unknown) => clock.clearTimeout(t);
  let pending: { text: string; blocks: Block[] } | null = null;
  let lastSent = Number.NEGATIVE_INFINITY;
  let chain: Promise<void> = Promise.resolve();
  let timer: unknown = null;
  let stopped = false;

  const flush = () => {
    timer = null;
    if (!pending || stopped) return;
    const { text, blocks } = pending;
    pending = null;
    lastSent = now();
    chain = chain.then(() => options.send(text, blocks)).then(() => undefined, options.onError);
  };

  return {
    push(text, blocks, immediately = false) {
      if (stopped) return;
      pending = { text, blocks };
      const wait = options.everyMs - (now() - lastSent);
      if (immediately || wait <= 0) {
        if (timer !== null) clearTimer(timer);
        flush();
      } else timer ??= setTimer(flush, wait);
    },
    stop() {
      stopped = true;
      if (timer !== null) clearTimer(timer);
      timer = null;
      pending = null;
      return chain;
    },
  };
}

/**
 * A message's final view, sent until Slack takes it: a 429 waits as Slack asks, a network fault backs
 * off (to a minute), a platform error (the message is gone, the channel archived) or the end of the
 * window throws.
 */
export async function updateUntilTaken(
  send: (text: string, blocks: Block[]) => Promise<unknown>,
  text: string,
  blocks: Block[],
  o: { clock: Clock; log: Logger; windowMs: number },
): Promise<void> {
  const deadline = o.clock.now() + o.windowMs;
  for (let attempt = 0; ; attempt++) {
    try {
      await send(text, blocks);
      return;
    } catch (error) {
      const e = error as { code?: string; retryAfter?: number };
      if (e.code === "slack_webapi_platform_error" || o.clock.now() > deadline) throw error;
      const wait =
        e.code === "slack_webapi_rate_limited_error" && typeof e.retryAfter === "number"
          ? e.retryAfter * 1000
          : Math.min(60_000, 1000 * 2 ** attempt);
      o.log.warn("Slack did not take the message; trying again", { err: error, waitMs: wait });
      await o.clock.sleep(wait);
    }
  }
}
