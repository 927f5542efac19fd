/**
 * npm run bench:slack: how fast the Slack app acks while it works. 200 signed `/gong user` commands,
 * 20 at a time (after 40 unmeasured warm-up ones), sent while an inactive-user audit of 10,000 users runs
 * in the same process (started with `/gong audit`, which syncs the directory first). The 200 go in ten
 * waves of 20 sent at once, spread over the audit's length (as long as it took alone), so that every
 * phase of it meets some: its sync, the leavers check and org index after it, the preparation, the
 * Gong windows and the report. `--at-once` sends them back to back instead, from the audit's start (they
 * then meet only the sync's first seconds). Reports ack latency p50/p99/max beside the floor (the same
 * sender, the same waves at the same intervals, against a server that only answers, measured just before
 * the lookups and after them: the ratios take the lower). Targets: ack p50 at most 3x and p99 at most 2x
 * the floor's. The floor's waves were once 300 ms apart against the lookups' six seconds: a sender that
 * waits seconds between waves is slower (its connections and the machine's caches gone cold), and that
 * difference was counted as gongops'.
 *
 * The same audit (a sync that finds nothing new, then the audit) also runs once alone, before, from
 * `/gong audit` to its final message: its wall time alone and beside the lookups (target: at most 10%
 * longer), and the event-loop delay (perf_hooks.monitorEventLoopDelay) during the first sync, each audit
 * and the lookups.
 *
 * Only gongops runs in this process, as in production: Gong (the simulator, Gong's limits, 50 ms
 * latency), Slack's Web API (the fake the end-to-end tests use) and the sender of the commands each
 * run in their own process. `--no-audit` measures the same lookups on an idle app, for comparison.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type IntervalHistogram, monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../src/config.js";
import { createContext, requireGong } from "../src/context.js";
import { silentLogger } from "../src/log.js";
import { createSlackApp } from "../src/slack/app.js";
import { postSigned, slashCommand } from "../test/helpers/fakeSlack.js";

const BIN = fileURLToPath(new URL("../bin/gongops.js", import.meta.url));
const TSX = fileURLToPath(new URL("../node_modules/tsx/dist/cli.mjs", import.meta.url));
const PEERS = fileURLToPath(new URL("./slack.peers.ts", import.meta.url));
const SECRET = "bench-signing-secret";
const USERS = 10_000;
const COMMANDS = 200;
const PARALLEL = Number(process.argv.find((a) => a.startsWith("--parallel="))?.slice(11) ?? 20);
const withAudit = !process.argv.includes("--no-audit");
const atOnce = process.argv.includes("--at-once");
/** The waves without an audit: 300 ms apart. With one, they are spread over its length (see above). */
const IDLE_SPREAD_MS = atOnce ? 0 : 3000;

/** The peers, ended with this process however it ends (a failed run must not leave them running). */
const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of children) c.kill();
});

/** Starts a child process and resolves with the first JSON document it prints. */
function child(command: string[]): Promise<{ proc: ChildProcess; first: any }> {
  const proc = spawn(process.execPath, command, { stdio: ["ignore", "pipe", "inherit"] });
  children.add(proc);
  return new Promise((resolve, reject) => {
    let out = "";
    proc.stdout!.on("data", (chunk) => {
      out += chunk;
      try {
        resolve({ proc, first: JSON.parse(out) });
      } catch {
        // not a whole document yet
      }
    });
    proc.once("exit", (code) => reject(new Error(`${command.join(" ")} exited with ${code}`)));
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Event-loop delay from now until the returned function is called. The monitor records the time between
 * its timer's turns, so the delay is that less the 1 ms it asks for (as in bench:sync).
 */
function loopDelay(): () => IntervalHistogram {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  return () => {
    h.disable();
    return h;
  };
}
const ms = (ns: number) => Math.max(0, ns / 1e6 - 1).toFixed(1);
const delayColumns = (h: IntervalHistogram) => ({
  "loop delay p50 ms": ms(h.percentile(50)),
  "loop delay p99 ms": ms(h.percentile(99)),
  "loop delay max ms": ms(h.max),
});

const dir = mkdtempSync(join(tmpdir(), "gongops-bench-slack-"));
const emailsFile = join(dir, "emails.json");

// The floor: the same sender against a server that does nothing but answer. Measured before the lookups
// and again after, since a shared machine's load moves in between; the ratios take the lower (the
// stricter) of each.
const floorEmails = join(dir, "floor-emails.json");
writeFileSync(floorEmails, JSON.stringify(["nobody@acme.example"]));
async function measureFloor(spreadMs: number): Promise<number[]> {
  const echo = await child([TSX, PEERS, "echo"]);
  const run = await child([
    TSX,
    PEERS,
    "load",
    echo.first.url,
    SECRET,
    String(COMMANDS),
    String(PARALLEL),
    "http://127.0.0.1:9/respond",
    floorEmails,
    String(spreadMs),
  ]);
  echo.proc.kill();
  return (run.first as number[]).sort((a, b) => a - b);
}

// The floor as it was measured before (waves 300 ms apart whatever the lookups'), shown for comparison.
const floorDense = withAudit && !atOnce ? await measureFloor(IDLE_SPREAD_MS) : null;

const sim = await child([BIN, "sim", "--port", "0", "--users", String(USERS), "--latency", "50", "--json"]);
const fake = await child([TSX, PEERS, "fake"]);
const fakeUrl = fake.first.url as string;
const stats = async () =>
  (await (await fetch(`${fakeUrl}/_stats`)).json()) as { methods: Record<string, number>; responses: number };

const config = loadConfig({
  ...sim.first.env,
  GONGOPS_DB_PATH: ":memory:",
  SLACK_BOT_TOKEN: "xoxb-bench",
  SLACK_SIGNING_SECRET: SECRET,
  SLACK_API_URL: `${fakeUrl}/api`,
  GONGOPS_ADMIN_USER_IDS: "UADMIN",
});
const ctx = requireGong(createContext({ config, log: silentLogger }));
console.error(`syncing ${USERS} users from the simulator (Gong's limits: 3 in flight, 3/s)...`);
const syncStarted = performance.now();
const syncDelay = loopDelay();
await ctx.directory.sync!.run({ trigger: "bench" });
const phases: Record<string, string | number>[] = [
  {
    phase: `first sync (${USERS} users, no lookups)`,
    "wall s": ((performance.now() - syncStarted) / 1000).toFixed(1),
    ...delayColumns(syncDelay()),
  },
];
writeFileSync(
  emailsFile,
  JSON.stringify(ctx.repos.directory.people(ctx.repos.directory.state()!.gen).map((p) => p.email)),
);
const slack = createSlackApp(ctx, { port: 0 });
const { port } = await slack.start();
const url = `http://127.0.0.1:${port}/slack/events`;

const updates = async () => (await stats()).methods["chat.update"] ?? 0;

interface Audit {
  started: number;
  delay: () => IntervalHistogram;
  /** The newest run before this one's command: this one is the first run after it. */
  after: number;
}

/** Starts `/gong audit 90` in Slack and resolves once it is under way (its message was first updated). */
async function startAudit(): Promise<Audit> {
  const before = await updates();
  const after = ctx.repos.audits.latest()?.id ?? 0;
  const delay = loopDelay();
  const started = performance.now();
  await postSigned(
    url,
    SECRET,
    slashCommand({ user: "UADMIN", text: "audit 90", responseUrl: `${fakeUrl}/respond/audit` }),
    "application/x-www-form-urlencoded",
  );
  for (let i = 0; i < 600 && (await updates()) === before; i++) await sleep(100);
  return { started, delay, after };
}

/** Waits for the audit to end, final message included; its wall time from the command, and the delay. */
async function auditEnd(audit: Audit, label: string): Promise<number> {
  // Its run is made once its sync is done: until then the newest run is the one before.
  const ours = () => {
    const run = ctx.repos.audits.latest();
    return run && run.id > audit.after ? run : undefined;
  };
  let run = ours();
  for (let i = 0; i < 30_000 && !(run && ctx.repos.audits.postOf(run.id)?.finalRendered); i++) {
    await sleep(20);
    run = ours();
  }
  const wall = performance.now() - audit.started;
  phases.push({
    phase: `${label}: ${run?.status}, ${run?.inactive} inactive, ${run?.requestsUsed} requests`,
    "wall s": (wall / 1000).toFixed(1),
    ...delayColumns(audit.delay()),
  });
  return wall;
}

let aloneMs: number | null = null;
if (withAudit) {
  console.error("an audit alone...");
  aloneMs = await auditEnd(await startAudit(), "audit alone");
}
// The lookups' waves: over as long as the audit took alone, less a tenth (the sender's start, the warm-up).
const spreadMs = atOnce ? 0 : aloneMs ? Math.round(aloneMs * 0.9) : IDLE_SPREAD_MS;
console.error(`the floor (the waves over ${(spreadMs / 1000).toFixed(1)} s)...`);
const floorFirst = await measureFloor(spreadMs);
const audit = withAudit ? await startAudit() : null;
if (audit) console.error("audit running; sending lookups...");
// The Gong requests this process made (its sync's and its audit's) while the lookups were sent.
const gongRequests = async () =>
  (await ctx.metrics.gongRequests.get()).values.reduce((sum, v) => sum + v.value, 0);
const before = await gongRequests();
const lookupsStarted = performance.now();
const lookupsDelay = loopDelay();
const load = await child([
  TSX,
  PEERS,
  "load",
  url,
  SECRET,
  String(COMMANDS),
  String(PARALLEL),
  `${fakeUrl}/respond`,
  emailsFile,
  String(spreadMs),
]);
phases.push({
  phase: `the ${COMMANDS} lookups (${withAudit ? "audit running" : "no audit"})`,
  "wall s": ((performance.now() - lookupsStarted) / 1000).toFixed(1),
  ...delayColumns(lookupsDelay()),
});
const auditRunning = ctx.audit!.running() !== null || ctx.directory.sync!.running() !== null;
const meanwhile = (await gongRequests()) - before;
const latencies = (load.first as number[]).sort((a, b) => a - b);
// Every command (and the warm-up ones) must get its answer through the response_url.
const expected = COMMANDS + PARALLEL * 2;
for (let i = 0; i < 600 && (await stats()).responses < expected; i++) await sleep(100);
const answered = (await stats()).responses >= expected;
const withLookupsMs = audit ? await auditEnd(audit, "audit with lookups") : null;
console.error("the floor again...");
const floorLast = await measureFloor(spreadMs);
const floorRow = (label: string, floor: number[]) => ({
  commands: floor.length,
  parallel: PARALLEL,
  "audit running": label,
  "ack p50 ms": percentile(floor, 50).toFixed(1),
  "ack p99 ms": percentile(floor, 99).toFixed(1),
  "ack max ms": floor.at(-1)!.toFixed(1),
  "all answered": "-",
  "Gong requests meanwhile": "-",
});
console.table([
  ...(floorDense ? [floorRow("(floor, waves 300 ms apart: not compared)", floorDense)] : []),
  floorRow("(floor, before: a server that only answers)", floorFirst),
  {
    commands: latencies.length,
    parallel: PARALLEL,
    "audit running": withAudit ? auditRunning : "no audit",
    "ack p50 ms": percentile(latencies, 50).toFixed(1),
    "ack p99 ms": percentile(latencies, 99).toFixed(1),
    "ack max ms": latencies.at(-1)!.toFixed(1),
    "all answered": answered,
    "Gong requests meanwhile": meanwhile,
  },
  floorRow("(floor, after)", floorLast),
]);
console.table(phases);
const floorAt = (p: number) => Math.min(percentile(floorFirst, p), percentile(floorLast, p));
const p50 = percentile(latencies, 50) / floorAt(50);
const p99 = percentile(latencies, 99) / floorAt(99);
console.log(
  `ack p50 ${p50.toFixed(2)}x the floor (target <= 3), p99 ${p99.toFixed(2)}x (target <= 2)` +
    (aloneMs && withLookupsMs
      ? `; the audit took ${(withLookupsMs / aloneMs).toFixed(2)}x as long beside the lookups as alone (target <= 1.10)`
      : ""),
);
await slack.stop();
await ctx.close();
for (const c of [sim.proc, fake.proc, load.proc]) c.kill();
rmSync(dir, { recursive: true, force: true });
