/**
 * The alternative bench:slack's audit was measured against (issue 22 §3): an audit's CPU work in a
 * worker thread instead of slices on the main loop. Not product code; `npx tsx bench/audit-worker.proto.ts`
 * prints, for the end of a 10,000-user audit (read every subject, build the report and the CSV), how long
 * it took and how long it held the main event loop, done three ways:
 *   - at once, as before (audit.report + inactiveCsv);
 *   - in slices on the main loop (reportInPages + inactiveCsvInChunks, what the audit does now);
 *   - in a worker thread with its own SQLite connection (a file database: ":memory:" cannot be shared),
 *     started for the job and already running, the report and CSV sent back by postMessage.
 * Then what a worker's writes cost the main loop: the 10,000 subjects written by a worker in one
 * transaction and in chunks, while the main thread makes the small writes it makes for every Gong
 * request (the rate window), which wait for SQLite's one write lock.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { buildReport, inactiveCsv, inactiveCsvInChunks } from "../src/audit/report.js";
import { loadConfig } from "../src/config.js";
import { createContext } from "../src/context.js";
import { silentLogger } from "../src/log.js";
import { SimOrg } from "../src/sim/org.js";
import { GongSim } from "../src/sim/server.js";
import { AuditsRepo } from "../src/store/audits.repo.js";
import { openDatabase } from "../src/store/db.js";

interface Job {
  path: string;
  runId: number;
  kind: "report" | "write-at-once" | "write-in-chunks";
}

async function workerMain(): Promise<void> {
  const db = openDatabase((workerData as { path: string }).path);
  const audits = new AuditsRepo(db);
  parentPort!.on("message", (job: Job) => {
    if (job.kind === "report") {
      const run = audits.get(job.runId)!;
      const report = buildReport(
        run,
        audits.windows(job.runId),
        audits.subjects(job.runId),
        audits.lastCallsOf(audits.subjects(job.runId, "candidate").map((s) => s.userId)),
      );
      parentPort!.postMessage({ report, csv: inactiveCsv(report) });
      return;
    }
    const rows = audits.subjects(job.runId).map((s) => ({ ...s, runId: job.runId + 1000 }));
    db.$client.exec(
      `INSERT OR IGNORE INTO audit_runs SELECT ${job.runId + 1000}, ${cols(db)} FROM audit_runs WHERE id = ${job.runId}`,
    );
    const size = job.kind === "write-at-once" ? rows.length : 200;
    for (let i = 0; i < rows.length; i += size) audits.insertSubjects(rows.slice(i, i + size));
    db.$client.exec(`DELETE FROM audit_subjects WHERE run_id = ${job.runId + 1000}`);
    parentPort!.postMessage({ done: true });
  });
}

/** audit_runs' columns after the id, to copy a run row under another id. */
function cols(db: ReturnType<typeof openDatabase>): string {
  const names = (db.$client.prepare("PRAGMA table_info(audit_runs)").all() as { name: string }[])
    .map((c) => c.name)
    .filter((n) => n !== "id");
  return names.join(", ");
}

/** A worker running this file (TypeScript: tsx registered in the worker first). */
function spawnWorker(url: URL, path: string): Worker {
  const boot = `(async () => { (await import("tsx/esm/api")).register(); await import(${JSON.stringify(url.href)}); })()`;
  return new Worker(boot, { eval: true, workerData: { path } });
}

async function measure(label: string, fn: () => Promise<unknown>, rows: Record<string, string>[]) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  // Its first turn only starts the clock: a stall before it would not be seen.
  await new Promise((r) => setTimeout(r, 10));
  const cpu = process.cpuUsage();
  const t = performance.now();
  await fn();
  const wall = performance.now() - t;
  const used = process.cpuUsage(cpu);
  // The monitor's timer records a stall when it next runs: let it.
  await new Promise((r) => setTimeout(r, 20));
  h.disable();
  rows.push({
    way: label,
    "wall ms": wall.toFixed(0),
    "process CPU ms": ((used.user + used.system) / 1000).toFixed(0),
    "loop delay p99 ms": Math.max(0, h.percentile(99) / 1e6 - 1).toFixed(1),
    "loop delay max ms": Math.max(0, h.max / 1e6 - 1).toFixed(1),
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "gongops-worker-proto-"));
  const path = join(dir, "g.db");
  const sim = await GongSim.start({
    org: SimOrg.generate({ users: 10_000, seed: 1 }),
    latencyMs: 0,
    maxConcurrent: 3,
    maxRps: null,
    dailyQuota: null,
  });
  const config = loadConfig({
    ...sim.env(),
    GONGOPS_DB_PATH: path,
    GONG_MAX_RPS: "100000",
    GONG_DAILY_QUOTA: "10000000",
  });
  const ctx = createContext({ config, log: silentLogger });
  await ctx.directory.sync!.run({ trigger: "bench" });
  const { runId } = await ctx.audit!.start({ days: 90, trigger: "bench" });
  console.error(`audit ${runId} done; measuring...`);
  const url = new URL(import.meta.url);
  const ask = (w: Worker, job: Job) =>
    new Promise<unknown>((resolve) => {
      w.once("message", resolve);
      w.postMessage(job);
    });
  const warm = spawnWorker(url, path);
  await ask(warm, { path, runId, kind: "report" }); // loaded and JIT-warmed, as a pool's worker would be
  const rows: Record<string, string>[] = [];
  for (let round = 0; round < 3; round++) {
    await measure(
      "at once on the main loop (before)",
      async () => inactiveCsv(ctx.audit!.report(runId)),
      rows,
    );
    await measure(
      "in slices on the main loop (now)",
      async () => inactiveCsvInChunks(await ctx.audit!.reportInPages(runId)),
      rows,
    );
    await measure(
      "worker started for the job",
      async () => {
        const w = spawnWorker(url, path);
        await ask(w, { path, runId, kind: "report" });
        await w.terminate();
      },
      rows,
    );
    await measure("worker already running", () => ask(warm, { path, runId, kind: "report" }), rows);
  }
  // The main thread's own small writes (one per Gong request) against a worker's big ones.
  const writes: Record<string, string>[] = [];
  for (const kind of ["write-at-once", "write-in-chunks"] as const) {
    let longest = 0;
    let stop = false;
    const tick = async () => {
      while (!stop) {
        const t = performance.now();
        ctx.db.$client.prepare("UPDATE audit_runs SET error = error WHERE id = ?").run(runId);
        longest = Math.max(longest, performance.now() - t);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const ticking = tick();
    await measure(`worker writes 10,000 subjects (${kind})`, () => ask(warm, { path, runId, kind }), writes);
    stop = true;
    await ticking;
    writes.at(-1)!["longest main-thread write ms"] = longest.toFixed(1);
  }
  await warm.terminate();
  console.table(rows);
  console.table(writes);
  await ctx.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
}

if (isMainThread) await main();
else await workerMain();
