import { afterEach, describe, expect, it } from "vitest";
import { type Clock, systemClock } from "../../src/clock.js";
import { loadConfig } from "../../src/config.js";
import { createContext } from "../../src/context.js";
import {
  EventLoopLag,
  GongLimiter,
  type LimiterOptions,
  MAX_SLACK_MS,
  MemoryBudgetStore,
  MemoryRateWindow,
} from "../../src/gong/limiter.js";

/**
 * Virtual time: `now` moves only when a sleeper wakes (to the time it asked for), so the spacing and
 * the window's arithmetic are exact and each test runs in milliseconds.
 */
function virtualTiming(): Clock & { t: number } {
  const clock = {
    ...systemClock,
    t: 0,
    now: () => clock.t,
    sleep: async (ms: number) => {
      const target = clock.t + ms;
      await new Promise((r) => setImmediate(r));
      clock.t = Math.max(clock.t, target);
    },
  };
  return clock;
}

const limiters: GongLimiter[] = [];
afterEach(() => {
  while (limiters.length) limiters.pop()!.stop();
});

function limiter(timing: Clock, overrides: Partial<LimiterOptions> = {}): GongLimiter {
  const l = new GongLimiter({
    maxConcurrent: 3,
    maxPerSecond: 3,
    dailyQuota: 1_000_000,
    budget: new MemoryBudgetStore(),
    scope: "company",
    clock: timing,
    lag: () => 0,
    ...overrides,
  });
  limiters.push(l);
  return l;
}

/** Sends `n` requests at once through `l`, recording the (virtual) time each one starts. */
async function burst(l: GongLimiter, timing: Clock, n: number, starts: number[]): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, () =>
      l.run({ method: "GET", path: "/v2/users" }, async () => {
        starts.push(timing.now());
      }),
    ),
  );
}

/** Most starts inside any half-open window of `ms`. */
function mostIn(starts: number[], ms: number): number {
  const s = [...starts].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < s.length; i++) {
    while (s[i]! - s[j]! >= ms) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe("GongLimiter's per-second window", () => {
  it("spaces starts evenly and holds each for its second plus the 5% margin, from the first", async () => {
    const timing = virtualTiming();
    const l = limiter(timing);
    const starts: number[] = [];
    await burst(l, timing, 7, starts);
    expect(starts).toEqual([0, 350, 700, 1050, 1400, 1750, 2100]);
    expect(l.stats()).toMatchObject({ margin: 0.05, holdMs: 1050, sent: 7 });
  });

  it("two limiters on one window store (two processes on one database) keep the limit together", async () => {
    const timing = virtualTiming();
    const window = new MemoryRateWindow();
    const a = limiter(timing, { window });
    const b = limiter(timing, { window });
    const starts: number[] = [];
    await Promise.all([burst(a, timing, 6, starts), burst(b, timing, 6, starts)]);
    expect(starts).toHaveLength(12);
    expect(mostIn(starts, 1050)).toBe(3);
  });

  it("without a shared store, two limiters together send twice the limit (what issue 8 saw)", async () => {
    const timing = virtualTiming();
    const starts: number[] = [];
    await Promise.all([burst(limiter(timing), timing, 3, starts), burst(limiter(timing), timing, 3, starts)]);
    expect(mostIn(starts, 1000)).toBe(6);
  });

  it("counts earlier starts for as long again as the measured event-loop lag", async () => {
    const timing = virtualTiming();
    const l = limiter(timing, { lag: () => 80 });
    const starts: number[] = [];
    await burst(l, timing, 4, starts);
    expect(starts).toEqual([0, 350, 700, 1130]);
    expect(l.stats().maxSlackMs).toBe(80);
  });

  it(`caps the lag allowance at ${MAX_SLACK_MS} ms`, async () => {
    const timing = virtualTiming();
    const l = limiter(timing, { lag: () => 60_000 });
    const starts: number[] = [];
    await burst(l, timing, 4, starts);
    expect(starts).toEqual([0, 350, 700, 1050 + MAX_SLACK_MS]);
  });

  it("widens the margin after each 429 the spacing should have prevented, up to 20%", () => {
    const l = limiter(virtualTiming());
    l.noteRateLimited();
    expect(l.stats().holdMs).toBeCloseTo(1070);
    for (let i = 0; i < 20; i++) l.noteRateLimited();
    expect(l.stats()).toMatchObject({ margin: 0.2, holdMs: 1200 });
  });

  it("enforces a rate below 1/s as one start per 1/rate seconds, with the margin", async () => {
    const timing = virtualTiming();
    const l = limiter(timing, { maxPerSecond: 0.5 });
    const starts: number[] = [];
    await burst(l, timing, 2, starts);
    expect(starts).toEqual([0, 2100]);
  });

  it("a pause (Retry-After) holds every start until it ends", async () => {
    const timing = virtualTiming();
    const l = limiter(timing);
    l.pauseUntil(5000);
    const starts: number[] = [];
    await burst(l, timing, 1, starts);
    expect(starts).toEqual([5000]);
  });
});

describe("EventLoopLag", () => {
  it("measures a stall of the event loop", async () => {
    const probe = new EventLoopLag(() => true);
    expect(probe.current()).toBe(0);
    await new Promise((r) => setTimeout(r, 30));
    const until = performance.now() + 150;
    while (performance.now() < until) {
      // A synchronous stall, as a busy machine or a long task would cause.
    }
    await new Promise((r) => setTimeout(r, 30));
    // The timer that was due during the stall ran about 150 ms late (at least 140 ms: its 10 ms period).
    expect(probe.current()).toBeGreaterThanOrEqual(140);
    probe.stop();
    expect(probe.current()).toBe(0);
    probe.stop();
  });
});

describe("the margin setting", () => {
  it("GONG_RPS_MARGIN_PERCENT reaches the limiter through the composition root (default 5%)", async () => {
    const env = { GONG_ACCESS_KEY: "k", GONG_ACCESS_KEY_SECRET: "s", GONGOPS_DB_PATH: ":memory:" };
    for (const [value, holdMs] of [
      [undefined, 1050],
      ["15", 1150],
    ] as const) {
      const ctx = createContext({ config: loadConfig({ ...env, GONG_RPS_MARGIN_PERCENT: value }) });
      expect(ctx.gong?.limiter.stats().holdMs).toBeCloseTo(holdMs);
      await ctx.close();
    }
  });
});
