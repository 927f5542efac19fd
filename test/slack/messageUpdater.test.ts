import { describe, expect, it } from "vitest";
import { systemClock } from "../../src/clock.js";
import type { Block } from "../../src/slack/blocks/common.js";
import { messageUpdater } from "../../src/slack/messageUpdater.js";

/** The progress updater on a hand-driven clock and timer, and a Slack whose answers we release. */
function harness(everyMs = 1000) {
  let now = 0;
  let timer: { fn: () => void; at: number } | null = null;
  const sent: string[] = [];
  const inFlight: (() => void)[] = [];
  const errors: unknown[] = [];
  const updater = messageUpdater({
    send: (text) =>
      new Promise<void>((resolve) => {
        sent.push(text);
        inFlight.push(resolve);
      }),
    everyMs,
    onError: (e) => errors.push(e),
    clock: {
      ...systemClock,
      now: () => now,
      setTimeout: (fn, ms) => {
        timer = { fn, at: now + ms };
        return timer;
      },
      clearTimeout: () => {
        timer = null;
      },
    },
  });
  const tick = async (ms: number) => {
    now += ms;
    const t = timer;
    if (t && t.at <= now) {
      timer = null;
      t.fn();
    }
    await new Promise((r) => setImmediate(r));
  };
  const answer = async () => {
    inFlight.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { updater, sent, tick, answer, errors };
}
const blocks: Block[] = [];

describe("messageUpdater", () => {
  it("sends at most one view per interval, the newest, and never two at once", async () => {
    const h = harness(1000);
    h.updater.push("v1", blocks);
    h.updater.push("v2", blocks);
    h.updater.push("v3", blocks);
    await h.tick(0);
    expect(h.sent).toEqual(["v1"]);
    await h.tick(1000);
    // v3 is due, but waits until v1's update has ended.
    expect(h.sent).toEqual(["v1"]);
    await h.answer();
    expect(h.sent).toEqual(["v1", "v3"]);
  });

  it("a view pushed with `now` goes out at once", async () => {
    const h = harness(1000);
    h.updater.push("v1", blocks);
    await h.tick(0);
    await h.answer();
    h.updater.push("phase change", blocks, true);
    await h.tick(0);
    expect(h.sent).toEqual(["v1", "phase change"]);
  });

  it("stop drops what has not gone out and resolves only after the update in flight ends", async () => {
    const h = harness(1000);
    h.updater.push("v1", blocks);
    h.updater.push("v2", blocks);
    let stopped = false;
    const done = h.updater.stop().then(() => {
      stopped = true;
    });
    await h.tick(5000);
    expect(stopped).toBe(false);
    await h.answer();
    await done;
    expect(stopped).toBe(true);
    expect(h.sent).toEqual(["v1"]);
    h.updater.push("after stop", blocks);
    await h.tick(5000);
    expect(h.sent).toEqual(["v1"]);
  });

  it("a failed update is reported and the next one still goes out", async () => {
    const errors: unknown[] = [];
    const sent: string[] = [];
    const updater = messageUpdater({
      send: async (text) => {
        sent.push(text);
        if (text === "v1") throw new Error("ratelimited");
      },
      everyMs: 0,
      onError: (e) => errors.push(e),
      clock: systemClock,
    });
    updater.push("v1", blocks);
    updater.push("v2", blocks);
    await updater.stop();
    expect(sent).toEqual(["v1", "v2"]);
    expect(errors).toHaveLength(1);
  });
});
