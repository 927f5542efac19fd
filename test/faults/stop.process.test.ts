import { spawn as spawnProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { GongSim } from "../../src/sim/server.js";
import { ACTIONS } from "../../src/slack/ids.js";
import { slackIdOf } from "../approvals/helpers.js";
import { buttonClick, FakeSlack, postSigned, slashCommand } from "../helpers/fakeSlack.js";
import { startSim } from "../helpers/gong.js";
import { ID, knownOrg } from "../helpers/org.js";
import { BIN, listeningPort, type Running, runGongops, spawnGongops, until } from "../helpers/process.js";

/**
 * `gongops start` (and the one-shot commands) as real processes whose surroundings go away: the reader
 * of their output, Slack, Gong. A stop is bounded by the grace (10 s by default) whatever is in flight,
 * and the running jobs' leases are given back.
 */
const SECRET = "stop-signing-secret";
const ADMIN = "UADMIN1";
const GRACE_MS = 10_000;
let sim: GongSim;
let fake: FakeSlack;
let dir: string;
const started: Running[] = [];

beforeAll(async () => {
  sim = await startSim({ org: knownOrg() });
  fake = await FakeSlack.start();
  for (const u of sim.org.users()) fake.emails.set(slackIdOf(u.id), u.emailAddress);
  dir = mkdtempSync(join(tmpdir(), "gongops-stop-"));
});
afterEach(() => {
  // Never leave a process behind, whatever the test did.
  for (const run of started.splice(0)) if (run.child.exitCode === null) run.child.kill("SIGKILL");
  fake.delays.clear();
  sim.clearFaults();
});
afterAll(async () => {
  await fake.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = (db: string, extra: Record<string, string> = {}) => ({
  ...sim.env(),
  GONGOPS_DB_PATH: join(dir, db),
  GONG_MAX_RPS: "100",
  SLACK_BOT_TOKEN: "xoxb-test-token",
  SLACK_SIGNING_SECRET: SECRET,
  SLACK_API_URL: `${fake.url}/api`,
  GONGOPS_ADMIN_USER_IDS: ADMIN,
  GONGOPS_LEASE_SECONDS: "2",
  GONGOPS_LOG_LEVEL: "info",
  PORT: "0",
  ...extra,
});

function spawn(args: string[], environment: Record<string, string>): Running {
  const run = spawnGongops(args, environment);
  started.push(run);
  return run;
}

function logLines(run: Running): Record<string, any>[] {
  return run
    .stderr()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, any>);
}

/** A port nothing listens on just now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Which attempt of the jobs-in-flight test this is (each starts from its own database). */
let flightAttempt = 0;

/** CPU seconds a process has used so far (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** SIGTERM, then how the process ended and how long it took ("still running" after `limitMs`). */
async function terminate(run: Running, limitMs = GRACE_MS + 5_000) {
  const at = Date.now();
  run.child.kill("SIGTERM");
  const code = await Promise.race([
    new Promise<number | null>((resolve) => run.child.once("exit", (c) => resolve(c))),
    new Promise<"still running">((resolve) => setTimeout(() => resolve("still running"), limitMs)),
  ]);
  return { code, ms: Date.now() - at };
}

function jobRows(db: string): { kind: string; status: string; lease_owner: string | null }[] {
  const sqlite = new Database(join(dir, db), { readonly: true });
  try {
    return sqlite.prepare("SELECT kind, status, lease_owner FROM jobs ORDER BY id").all() as never;
  } finally {
    sqlite.close();
  }
}

describe("a broken output pipe", () => {
  it("`gongops start 2>&1 | head -c 200`: once head exits, no spin, and SIGTERM still exits 0 within the grace", async () => {
    const head = spawnProcess("head", ["-c", "200"], { stdio: ["pipe", "ignore", "ignore"] });
    const port = await freePort();
    const app = spawnProcess(process.execPath, [BIN, "start"], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env("pipe.db", { PORT: String(port) }) },
      stdio: ["ignore", head.stdin!, head.stdin!],
    });
    // Only the app writes into head now; head exits once it has its 200 bytes (the first log lines).
    head.stdin!.destroy();
    try {
      await new Promise((resolve) => head.once("exit", resolve));
      await until(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.ok, 30_000);
      // Something to log: requests the guard refuses (each one a warning on the closed pipe).
      for (let i = 0; i < 3; i++)
        await fetch(`http://127.0.0.1:${port}/slack/events`, {
          method: "POST",
          body: "x",
          signal: AbortSignal.timeout(2000),
        }).catch(() => {});
      await new Promise((r) => setTimeout(r, 300));
      const before = cpuSeconds(app.pid!);
      await new Promise((r) => setTimeout(r, 2000));
      // An idle app uses next to nothing; the EPIPE loop used a whole core.
      expect(cpuSeconds(app.pid!) - before).toBeLessThan(0.5);
      const at = Date.now();
      app.kill("SIGTERM");
      const code = await Promise.race([
        new Promise<number | null>((resolve) => app.once("exit", (c) => resolve(c))),
        new Promise<"still running">((resolve) =>
          setTimeout(() => resolve("still running"), GRACE_MS + 5_000),
        ),
      ]);
      expect(code).toBe(0);
      expect(Date.now() - at).toBeLessThan(GRACE_MS);
    } finally {
      if (app.exitCode === null) app.kill("SIGKILL");
    }
  }, 60_000);

  it("a one-shot command whose reader left (`gongops … | head`) exits quietly: its own code, no stack trace", async () => {
    for (const args of [["--help"], ["jobs", "list"], ["jobs", "list", "--json"]]) {
      const run = spawn(args, env("pipe.db"));
      run.child.stdout!.destroy();
      const done = await run.done;
      expect(done.code, `${args.join(" ")}: ${done.stderr}`).toBe(0);
      expect(done.stderr).toBe("");
    }
  }, 60_000);
});

describe("a bounded stop", () => {
  it("a usage error before anything starts (`gongops demo --via foo`): exit 2 at once, nothing left running", async () => {
    const run = spawn(["demo", "--via", "foo"], {});
    const done = await Promise.race([
      run.done,
      new Promise<"still running">((resolve) => setTimeout(() => resolve("still running"), 15_000)),
    ]);
    expect(done).not.toBe("still running");
    if (done === "still running") return;
    expect(done.code).toBe(2);
    expect(done.stderr).toMatch(/--via must be one of scim, okta, entra/);
  }, 30_000);

  it("Socket Mode with Slack refusing the connection: SIGTERM exits 0 within the grace", async () => {
    const app = spawn(
      ["start"],
      env("socket.db", { SLACK_APP_TOKEN: "xapp-not-accepted", SLACK_SIGNING_SECRET: "" }),
    );
    const tries = fake.callsOf("apps.connections.open").length;
    await fake.waitFor(() => fake.callsOf("apps.connections.open").length > tries, 20_000);
    // /ready and /metrics are served, on loopback only (GONGOPS_METRICS_ADDR is not set): not ready yet.
    const ops = await until(() => logLines(app).find((l) => l.msg === "serving /ready and /metrics"));
    expect(ops.host).toBe("127.0.0.1");
    const ready = await fetch(`http://127.0.0.1:${ops.port}/ready`);
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toMatch(/job worker is not running/);
    const outside = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === "IPv4" && !a.internal)?.address;
    if (outside)
      await expect(
        fetch(`http://${outside}:${ops.port}/ready`, { signal: AbortSignal.timeout(2000) }),
      ).rejects.toThrow();
    const { code, ms } = await terminate(app);
    expect(code, app.stderr()).toBe(0);
    expect(ms).toBeLessThan(GRACE_MS);
  }, 60_000);

  it("jobs in flight against a Slack and a Gong that stopped answering: exit 0 within the grace, their leases given back", async () => {
    // A fresh start on each attempt (vitest.config.ts retries once): its own database, and no Slack
    // delay or Gong fault left from the attempt before.
    const db = `flight-${++flightAttempt}.db`;
    fake.delays.clear();
    sim.clearFaults();
    const app = spawn(["start"], env(db));
    const events = `http://127.0.0.1:${await listeningPort(app)}/slack/events`;
    const fay = sim.org.user(ID.fay)!.emailAddress;
    await postSigned(
      events,
      SECRET,
      slashCommand({
        user: ADMIN,
        text: `deactivate ${fay} --reason "stop test"`,
        responseUrl: fake.responseUrl("s1"),
      }),
      "application/x-www-form-urlencoded",
    );
    const manager = slackIdOf(ID.mgr);
    const dm = await fake.waitFor(
      () =>
        fake
          .callsOf("chat.postMessage")
          .find(
            (c) => c.args.channel === `D${manager.slice(1)}` && JSON.stringify(c.args.blocks).includes(fay),
          ),
      20_000,
    );
    const subjectId = /"value":"(\d+)"/.exec(JSON.stringify(dm.args.blocks))![1]!;

    // Gong's SCIM stops answering: the approval's execute job is stuck on its PATCH (the approval and the
    // checks before the change still read Gong's REST API and Slack, which answer).
    sim.addFault({
      fault: { kind: "slow", delayMs: 30_000 },
      endpoint: "PATCH /scim/v2/Users/{id}",
      times: 1_000,
    });
    await postSigned(
      events,
      SECRET,
      buttonClick({
        user: manager,
        actionId: ACTIONS.approve,
        value: subjectId,
        responseUrl: fake.responseUrl("s2"),
      }),
      "application/x-www-form-urlencoded",
    );
    await until(
      () => jobRows(db).some((j) => j.kind === "approval-execute" && j.status === "running"),
      20_000,
    );
    // Then Slack stops answering (it takes the connection and says nothing): a request filed from the
    // terminal now has its notification job stuck on Slack.
    for (const method of [
      "chat.postMessage",
      "chat.update",
      "conversations.open",
      "users.lookupByEmail",
      "users.info",
      "views.publish",
    ])
      fake.delays.set(method, 30_000);
    const filed = await runGongops(
      ["deactivate", sim.org.user(ID.dana)!.emailAddress, "--reason", "stop test"],
      env(db),
    );
    expect(filed.code, filed.stderr).toBe(0);
    await until(() => {
      const running = jobRows(db)
        .filter((j) => j.status === "running")
        .map((j) => j.kind);
      return running.includes("approval-execute") && running.includes("approval-notify");
    }, 20_000);

    const { code, ms } = await terminate(app);
    expect(code, app.stderr()).toBe(0);
    // The grace bounds the stop; the process's own exit after it takes well under a second, but a full
    // suite run at a load of 14 on two cores saw 10.86 s.
    expect(ms).toBeLessThan(GRACE_MS + 2_000);
    const after = jobRows(db);
    expect(after.filter((j) => j.status === "running")).toEqual([]);
    expect(after.filter((j) => j.lease_owner !== null)).toEqual([]);
    expect(app.stderr()).toMatch(/job given back to the queue/);
  }, 90_000);
});
