import { loadConfig } from "../../src/config.js";
import { type ContextOptions, createContext, type GongContext, requireGong } from "../../src/context.js";
import type { GongSim } from "../../src/sim/server.js";
import { captureLog } from "./log.js";

/**
 * A full application context against `sim`: an in-memory database running the real migrations, limits
 * high enough to run at full speed, fast back-off, captured logs.
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
    createContext({ config, log, retry: { baseDelayMs: 1, maxDelayMs: 5 }, ...options }),
  );
  return Object.assign(ctx, { lines });
}
