import { clockFrom, systemClock } from "../../src/clock.js";
import { loadConfig } from "../../src/config.js";
import { type ContextOptions, createContext, type GongContext, requireGong } from "../../src/context.js";
import type { GongSim } from "../../src/sim/server.js";
import { captureLog } from "./log.js";

/**
 * A full application context against `sim`: an in-memory database running the real migrations, limits
 * high enough to run at full speed, fast back-off, captured logs. The context and the simulator share
 * one "now" whatever the machine's date: an org made for a pinned instant gets a clock that starts
 * there; an org made for the present gets the system clock, which processes the test starts read too.
 */
export function simContext(
  sim: GongSim,
  env: Record<string, string> = {},
  options: Partial<ContextOptions> = {},
): GongContext & { lines: string[] } {
  const config = loadConfig({
    ...sim.env(),
    GONGOPS_DB_PATH: ":memory:",
    GONG_MAX_RPS: "10000",
    GONG_DAILY_QUOTA: "1000000",
    ...env,
  });
  const { log, lines } = captureLog();
  const ctx = requireGong(
    createContext({
      config,
      log,
      clock: sim.org.nowPinned ? clockFrom(sim.org.now) : systemClock,
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
      ...options,
    }),
  );
  return Object.assign(ctx, { lines });
}
