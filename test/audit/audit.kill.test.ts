import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GongSim } from "../../src/sim/server.js";
import { simContext } from "../helpers/context.js";
import { startSim } from "../helpers/gong.js";

/** `kill -9` of `gongops audit` in the middle of its requests, then `--resume` from another process. */
const BIN = fileURLToPath(new URL("../../bin/gongops.js", import.meta.url));
let sim: GongSim;
let dir: string;
beforeAll(async () => {
  sim = await startSim({ orgOptions: { users: 2500, seed: 8 }, latencyMs: 40 });
  dir = mkdtempSync(join(tmpdir(), "gongops-audit-kill-"));
});
afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("kill -9 during an audit", () => {
  it("resumes to the same result as an uninterrupted run, spending at most a few extra requests", async () => {
    const env = {
      ...sim.env(),
      GONGOPS_DB_PATH: join(dir, "g.db"),
      GONG_MAX_RPS: "10000",
      GONG_DAILY_QUOTA: "1000000",
      GONGOPS_LEASE_SECONDS: "2",
      GONGOPS_AUDIT_ACTIVITY: "hosted",
    };
    const clean = simContext(sim, { GONGOPS_AUDIT_ACTIVITY: "hosted", GONG_MAX_RPS: "10000" });
    const expected = await clean.audit!.start({ days: 200, strategy: "per-user" });
    await clean.close();

    sim.stats.reset();
    const child = spawn(process.execPath, [BIN, "audit", "--days", "200", "--strategy", "per-user"], {
      env: { ...process.env, ...env },
      stdio: "ignore",
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once("exit", (_c, signal) => resolve(signal)),
    );
    for (let i = 0; i < 3000 && child.exitCode === null; i++) {
      if ((sim.stats.byEndpoint["POST /v2/calls/extensive"] ?? 0) >= 12) {
        child.kill("SIGKILL");
        break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await exited).toBe("SIGKILL");

    const ctx = simContext(sim, env);
    try {
      const stranded = ctx.repos.audits.latest()!;
      expect(stranded.status).toBe("running");
      // The dead process's lease is respected until it runs out (liveness is its expiry, never a pid),
      // and the audit is taken over as soon as it has.
      await expect(ctx.audit!.resume(null)).rejects.toThrow(/already running/);
      await new Promise((r) => setTimeout(r, 2100));
      const resumed = await ctx.audit!.resume(null);
      expect(resumed.runId).toBe(stranded.id);
      expect(resumed.inactive.map((u) => u.id)).toEqual(expected.inactive.map((u) => u.id));
      // The requests recorded for the run (before and after the kill) against the uninterrupted run.
      // Requests in flight at the kill were sent but never recorded: the simulator counted them.
      const sentForAudit = sim.stats.byEndpoint["POST /v2/calls/extensive"] ?? 0;
      expect(sentForAudit).toBeLessThanOrEqual(expected.summary.apiRequests + 3);
      expect(resumed.summary.apiRequests).toBeLessThanOrEqual(sentForAudit);
    } finally {
      await ctx.close();
    }
  }, 60_000);
});
