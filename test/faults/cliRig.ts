import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { SimOrg } from "../../src/sim/org.js";
import type { GongSim } from "../../src/sim/server.js";
import { startSim } from "../helpers/gong.js";

/**
 * What the CLI process suites share: a simulator (its own per file), a folder of throw-away databases,
 * and the environment that points a `gongops` process at both, with limits high enough to run at full
 * speed and a single retry so that faults surface quickly.
 */
export function cliRig() {
  const rig = {
    sim: null as unknown as GongSim,
    dir: "",
    n: 0,
    freshDb: () => join(rig.dir, `g${++rig.n}.db`),
    env: (db: string, extra: Record<string, string> = {}) => ({
      ...rig.sim.env(),
      GONGOPS_DB_PATH: db,
      GONG_MAX_RPS: "10000",
      GONG_DAILY_QUOTA: "1000000",
      GONG_MAX_RETRIES: "1",
      ...extra,
    }),
  };
  beforeAll(async () => {
    rig.sim = await startSim({ org: SimOrg.generate({ users: 250, seed: 17, callsPerHostPerWeek: 1 }) });
    rig.dir = mkdtempSync(join(tmpdir(), "gongops-faults-"));
  });
  afterAll(async () => {
    await rig.sim.close();
    rmSync(rig.dir, { recursive: true, force: true });
  });
  return rig;
}
