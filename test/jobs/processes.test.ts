import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closeDatabase, openDatabase } from "../../src/store/db.js";
import { JobsRepo } from "../../src/store/jobs.repo.js";

/**
 * Real processes on one file database: the guarantees the queue makes are about processes (SQLite's
 * locking, a kill -9), which no single-process test can show.
 */
const FIXTURE = fileURLToPath(new URL("./fixtures/worker.ts", import.meta.url));
let dir: string;
let dbPath: string;
let logFile: string;
const children: ChildProcess[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "gongops-jobs-"));
  dbPath = join(dir, "gongops.db");
  logFile = join(dir, "runs.log");
  // Migrated here, once: two children migrating a fresh file at the same moment would race.
  await closeDatabase(openDatabase(dbPath));
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

function start(env: Record<string, string>): { child: ChildProcess; exited: Promise<number | string> } {
  const child = spawn(process.execPath, ["--import", "tsx", FIXTURE], {
    env: { ...process.env, DB_PATH: dbPath, LOG_FILE: logFile, GONGOPS_DB_CHECKPOINTER: "off", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.push(child);
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(signal ?? code ?? -1)),
  );
  return { child, exited };
}

const logLines = () => (existsSync(logFile) ? readFileSync(logFile, "utf8").trim().split("\n") : []);

async function until(what: string, done: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; log: ${logLines().join(" | ")}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function readJobs() {
  const db = openDatabase(dbPath);
  try {
    return new JobsRepo(db).list({ limit: 10_000 });
  } finally {
    await closeDatabase(db);
  }
}

describe("the job queue across processes", () => {
  it("1,000 jobs enqueued by two processes, both working, run exactly once each", async () => {
    const common = { MODE: "many", ENQUEUE: "500", TOTAL: "1000", READY_DIR: dir };
    const a = start({ ...common, PREFIX: "a" });
    const b = start({ ...common, PREFIX: "b" });
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);

    const runs = logLines().map((l) => l.split(" ") as [string, string]);
    const ids = runs.map(([id]) => id);
    expect(runs).toHaveLength(1000);
    expect(new Set(ids).size).toBe(1000);
    // Both processes ran jobs, so the two really competed for them.
    const byA = runs.filter(([, p]) => p === "a").length;
    expect(byA).toBeGreaterThan(0);
    expect(byA).toBeLessThan(1000);
    const jobs = await readJobs();
    expect(jobs).toHaveLength(1000);
    expect(jobs.every((j) => j.status === "succeeded" && j.attempts === 1)).toBe(true);
    console.log(`1,000 jobs: process a ran ${byA}, process b ran ${1000 - byA}`);
  }, 60_000);

  it("a job whose process is kill -9ed mid-run is taken over after its lease and finishes once", async () => {
    const LEASE_MS = "2500";
    const a = start({ MODE: "slow", ENQUEUE: "1", HANG: "1", LEASE_MS });
    await until("process a to start the job", () => logLines().some((l) => l.startsWith("start")));
    const owner = (prefix: string) =>
      logLines()
        .find((l) => l.startsWith(prefix))!
        .split(" ")[1];
    const ownerA = owner("start");

    // While a lives it renews its lease: b, working on the same database, must not take the job.
    const b = start({ MODE: "slow", LEASE_MS });
    await until("process b to work", () => logLines().filter((l) => l.startsWith("ready")).length === 2);
    await new Promise((r) => setTimeout(r, 3_000)); // longer than a lease: only renewal keeps it
    expect(logLines().filter((l) => l.startsWith("start"))).toHaveLength(1);
    expect((await readJobs())[0]).toMatchObject({ status: "running", leaseOwner: ownerA, attempts: 1 });

    a.child.kill("SIGKILL");
    expect(await a.exited).toBe("SIGKILL");
    expect(await b.exited).toBe(0);
    const ownerB = logLines()
      .filter((l) => l.startsWith("ready"))
      .map((l) => l.split(" ")[1])
      .find((o) => o !== ownerA)!;
    expect(logLines().filter((l) => !l.startsWith("ready"))).toEqual([
      `start ${ownerA} attempt=1`,
      `start ${ownerB} attempt=2`,
      `done ${ownerB}`,
    ]);
    expect(await readJobs()).toEqual([
      expect.objectContaining({
        status: "succeeded",
        attempts: 2,
        leaseOwner: null,
        idempotencyKey: "kill-me",
      }),
    ]);
  }, 60_000);
});
