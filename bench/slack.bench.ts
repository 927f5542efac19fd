/**
 * npm run bench:slack: how fast the Slack app acks while it works. 200 signed `/gong user` commands,
 * 20 at a time (after 40 unmeasured warm-up ones), sent while an inactive-user audit of 10,000 users runs in the same process (started
 * with `/gong audit`). Reports ack latency p50/p99/max. Targets: p99 under 100 ms, max under 1 s, far
 * from Slack's 3 seconds.
 *
 * Only gongops runs in this process, as in production: Gong (the simulator, Gong's limits, 50 ms
 * latency), Slack's Web API (the fake the end-to-end tests use) and the sender of the commands each
 * run in their own process. `--no-audit` measures the same lookups on an idle app, for comparison.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

/** Starts a child process and resolves with the first JSON document it prints. */
function child(command: string[]): Promise<{ proc: ChildProcess; first: any }> {
  const proc = spawn(process.execPath, command, { stdio: ["ignore", "pipe", "inherit"] });
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

const dir = mkdtempSync(join(tmpdir(), "gongops-bench-slack-"));
const emailsFile = join(dir, "emails.json");

// The floor: the same sender against a server that does nothing but answer.
writeFileSync(emailsFile, JSON.stringify(["nobody@acme.example"]));
const echo = await child([TSX, PEERS, "echo"]);
const floorRun = await child([
  TSX,
  PEERS,
  "load",
  echo.first.url,
  SECRET,
  String(COMMANDS),
  String(PARALLEL),
  "http://127.0.0.1:9/respond",
  emailsFile,
]);
const floor = (floorRun.first as number[]).sort((a, b) => a - b);
echo.proc.kill();

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
await ctx.directory.sync!.run({ trigger: "bench" });
writeFileSync(
  emailsFile,
  JSON.stringify(ctx.repos.directory.people(ctx.repos.directory.state()!.gen).map((p) => p.email)),
);
const slack = createSlackApp(ctx, { port: 0 });
const { port } = await slack.start();
const url = `http://127.0.0.1:${port}/slack/events`;

if (withAudit) {
  await postSigned(
    url,
    SECRET,
    slashCommand({ user: "UADMIN", text: "audit 90", responseUrl: `${fakeUrl}/respond/audit` }),
    "application/x-www-form-urlencoded",
  );
  for (let i = 0; i < 600 && !(await stats()).methods["chat.update"]; i++)
    await new Promise((r) => setTimeout(r, 100));
  console.error("audit running; sending lookups...");
}
const before = ctx.repos.audits.latest()?.requestsUsed ?? 0;
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
]);
const latencies = (load.first as number[]).sort((a, b) => a - b);
// Every command (and the warm-up ones) must get its answer through the response_url.
const expected = COMMANDS + PARALLEL * 2;
for (let i = 0; i < 600 && (await stats()).responses < expected; i++)
  await new Promise((r) => setTimeout(r, 100));
const answered = (await stats()).responses >= expected;
console.table([
  {
    commands: floor.length,
    parallel: PARALLEL,
    "audit running": "(floor: a server that only answers)",
    "ack p50 ms": percentile(floor, 50).toFixed(1),
    "ack p99 ms": percentile(floor, 99).toFixed(1),
    "ack max ms": floor.at(-1)!.toFixed(1),
    "all answered": "-",
    "audit requests meanwhile": "-",
  },
  {
    commands: latencies.length,
    parallel: PARALLEL,
    "audit running": withAudit ? ctx.audit!.running() !== null : "no audit",
    "ack p50 ms": percentile(latencies, 50).toFixed(1),
    "ack p99 ms": percentile(latencies, 99).toFixed(1),
    "ack max ms": latencies.at(-1)!.toFixed(1),
    "all answered": answered,
    "audit requests meanwhile": (ctx.repos.audits.latest()?.requestsUsed ?? 0) - before,
  },
]);
await slack.stop();
await ctx.close();
for (const c of [sim.proc, fake.proc, load.proc]) c.kill();
rmSync(dir, { recursive: true, force: true });
