/**
 * npm run bench:sync: a directory sync of 5,000 and 50,000 users against the simulator (run in its own
 * process, so its memory is not counted), on a file database. Reports users/s, the longest event-loop
 * stall during the sync (target: ~50 ms at most, so Slack acks on the same loop stay fast), peak RSS,
 * and how fast reporting lines answer on the result.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../src/config.js";
import { createContext } from "../src/context.js";
import { silentLogger } from "../src/log.js";

const BIN = fileURLToPath(new URL("../bin/gongops.js", import.meta.url));

async function startSim(users: number): Promise<{ child: ChildProcess; env: Record<string, string> }> {
  const child = spawn(
    process.execPath,
    [BIN, "sim", "--port", "0", "--users", String(users), "--no-limits", "--json"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let out = "";
  for await (const chunk of child.stdout!) {
    out += chunk;
    if (out.trim().endsWith("}")) break;
  }
  return { child, env: (JSON.parse(out) as { env: Record<string, string> }).env };
}

async function run(users: number) {
  const { child, env } = await startSim(users);
  const dir = mkdtempSync(join(tmpdir(), "gongops-bench-sync-"));
  const config = loadConfig({
    ...env,
    GONGOPS_DB_PATH: join(dir, "g.db"),
    GONG_MAX_RPS: "100000",
    GONG_DAILY_QUOTA: "10000000",
  });
  const ctx = createContext({ config, log: silentLogger });
  const rows: Record<string, string | number>[] = [];
  for (const label of ["first sync", "second sync"]) {
    const loop = monitorEventLoopDelay({ resolution: 1 });
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 20);
    loop.enable();
    const started = performance.now();
    const result = await ctx.directory.sync!.run({ trigger: "bench" });
    const seconds = (performance.now() - started) / 1000;
    loop.disable();
    clearInterval(sampler);
    rows.push({
      users,
      run: label,
      "wall s": seconds.toFixed(2),
      "users/s": Math.round(result.run.usersSeen / seconds),
      requests: result.run.requestsUsed,
      "max loop stall ms": (loop.max / 1e6).toFixed(1),
      "p99 loop stall ms": (loop.percentile(99) / 1e6).toFixed(1),
      "peak RSS MB": Math.round(peakRss / 2 ** 20),
    });
  }
  const top = ctx.repos.directory.people(ctx.repos.directory.state()!.gen).find((n) => !n.managerId)!;
  const time = async (fn: () => Promise<unknown>) => {
    const t = performance.now();
    await fn();
    return (performance.now() - t).toFixed(1);
  };
  const cold = await time(() => ctx.directory.hierarchy.reports(top.id));
  const warm = await time(() => ctx.directory.hierarchy.reports(top.id));
  const health = await time(() => ctx.directory.hierarchy.orgHealth());
  const reports = (await ctx.directory.hierarchy.reports(top.id))!;
  await ctx.close();
  child.kill();
  rmSync(dir, { recursive: true, force: true });
  return {
    rows,
    hierarchy: {
      users,
      "reports of the top ms (cold)": cold,
      "(warm)": warm,
      "org-health ms": health,
      "reports found": reports.total,
    },
  };
}

const results = [];
for (const n of [5_000, 50_000]) results.push(await run(n));
console.table(results.flatMap((r) => r.rows));
console.table(results.map((r) => r.hierarchy));
