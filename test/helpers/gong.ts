import { clockFrom, systemClock } from "../../src/clock.js";
import type { GongAuth } from "../../src/config.js";
import { connectGong, type GongConnection, type GongConnectionOptions } from "../../src/gong/connect.js";
import { Secret } from "../../src/secret.js";
import { GongSim, type SimOptions } from "../../src/sim/server.js";
import { captureLog } from "./log.js";

/** Limits high enough that functional tests run at full speed; limiter tests set the real ones. */
export const FAST = { maxConcurrent: 3, maxRps: 10_000, dailyQuota: 1_000_000 } as const;

export async function startSim(options: SimOptions = {}): Promise<GongSim> {
  return GongSim.start({
    maxRps: null,
    dailyQuota: null,
    orgOptions: { users: 120, seed: 7, callsPerHostPerWeek: 1 },
    ...options,
  });
}

export function simAuth(sim: GongSim): GongAuth {
  return {
    kind: "basic",
    accessKey: new Secret(sim.credentials.accessKey),
    accessKeySecret: new Secret(sim.credentials.accessKeySecret),
  };
}

/** A connection to `sim` with fast back-off and a captured log. */
export function connectToSim(
  sim: GongSim,
  overrides: Partial<GongConnectionOptions> = {},
): GongConnection & { lines: string[] } {
  const auth = overrides.auth ?? simAuth(sim);
  const secrets =
    auth.kind === "basic"
      ? [
          auth.accessKey,
          auth.accessKeySecret,
          new Secret(`${auth.accessKey.reveal()}:${auth.accessKeySecret.reveal()}`),
        ]
      : [auth.token];
  const { log, lines } = captureLog([...secrets, new Secret(sim.credentials.scimToken)]);
  const connection = connectGong({
    baseUrl: sim.url,
    auth,
    scimBaseUrl: sim.scimUrl,
    scimToken: new Secret(sim.credentials.scimToken),
    ...FAST,
    windowDays: 90,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    clock: sim.org.nowPinned ? clockFrom(sim.org.now) : systemClock,
    log,
    ...overrides,
  });
  return Object.assign(connection, { lines });
}
