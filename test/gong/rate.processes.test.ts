import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { GongSim } from "../../src/sim/server.js";
import { closeDatabase, openDatabase } from "../../src/store/db.js";

/**
 * Issue 8, item 8: two gongops processes on one database (the Slack app and a cron sync) must stay
 * together under Gong's per-second limit. Real child processes, one file database, the simulator here
 * enforcing 3 starts per second and 3 in flight.
 */
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SCRIPT = fileURLToPath(new URL("./fixtures/burst.ts", import.meta.url));

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

interface Child {
  proc: ChildProcess;
  ready: Promise<void>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function startChild(env: Record<string, string>, ids: string[]): Child {
  const proc = spawn(process.execPath, ["--import", "tsx", SCRIPT, ...ids], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  cleanup.push(() => proc.kill("SIGKILL"));
  let stdout = "";
  let stderr = "";
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  proc.stdout!.on("data", (d: Buffer) => {
    stdout += d.toString();
    if (stdout.startsWith("ready\n")) onReady();
  });
  proc.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    proc.on("exit", (code) => resolve({ code, stdout, stderr })),
  );
  return { proc, ready: Promise.race([ready, done.then(() => {})]), done };
}

describe("two processes on one database", () => {
  it("share Gong's per-second limit: at most 3 starts in any second at Gong, zero 429s", async () => {
    const sim = await GongSim.start({
      maxConcurrent: 3,
      maxRps: 3,
      dailyQuota: null,
      latencyMs: 40,
      orgOptions: { users: 60, seed: 11, callsPerHostPerWeek: 0 },
    });
    cleanup.push(() => sim.close());
    const dir = mkdtempSync(join(tmpdir(), "gongops-rate-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const dbPath = join(dir, "gongops.db");
    // Migrate once here, so the two children do not race to create the schema (a separate issue).
    await closeDatabase(openDatabase(dbPath));

    const env = {
      ...sim.env(),
      GONGOPS_DB_PATH: dbPath,
      GONG_MAX_RPS: "3",
      GONG_MAX_CONCURRENT: "3",
      GONG_MAX_RETRIES: "0",
      GONGOPS_LOG_LEVEL: "error",
    };
    const ids = sim.org.users().map((u) => u.id);
    const children = [startChild(env, ids.slice(0, 9)), startChild(env, ids.slice(9, 18))];
    await Promise.all(children.map((c) => c.ready));
    sim.stats.reset();
    for (const c of children) c.proc.stdin!.write("go\n");
    const results = await Promise.all(children.map((c) => c.done));

    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 });
    // Gong's view, over its own 1-second window: the product's promise, with no extra allowance.
    expect(sim.stats.sent429).toBe(0);
    expect(sim.stats.maxStartsPerSecond).toBeLessThanOrEqual(3);
    expect(sim.stats.maxInFlight).toBeLessThanOrEqual(3);
    expect(sim.stats.requests).toBe(18);
    const stats = results.map((r) => JSON.parse(r.stdout.split("\n")[1]!) as { sent: number });
    expect(stats.map((s) => s.sent)).toEqual([9, 9]);
  }, 60_000);
});
