import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimOrg } from "../../src/sim/org.js";
import type { GongSim } from "../../src/sim/server.js";
import { FakeSlack, postSigned, slackHeaders, slashCommand } from "../helpers/fakeSlack.js";
import { startSim } from "../helpers/gong.js";
import { listeningPort, type Running, runGongops, spawnGongops, until } from "../helpers/process.js";

/** `gongops start` as a real process, receiving signed Slack requests, killed and restarted. */
const SECRET = "app-process-signing-secret";
const ADMIN = "UADMIN1";
let sim: GongSim;
let fake: FakeSlack;
let dir: string;

beforeAll(async () => {
  sim = await startSim({ org: SimOrg.generate({ users: 1500, seed: 23 }), latencyMs: 20 });
  fake = await FakeSlack.start();
  dir = mkdtempSync(join(tmpdir(), "gongops-app-"));
});
afterAll(async () => {
  await fake.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) => ({
  ...sim.env(),
  GONGOPS_DB_PATH: join(dir, "app.db"),
  GONG_MAX_RPS: "30",
  GONG_DAILY_QUOTA: "1000000",
  SLACK_BOT_TOKEN: "xoxb-test-token",
  SLACK_SIGNING_SECRET: SECRET,
  SLACK_API_URL: `${fake.url}/api`,
  GONGOPS_ADMIN_USER_IDS: ADMIN,
  GONGOPS_LEASE_SECONDS: "2",
  GONGOPS_LOG_LEVEL: "info",
  PORT: "0",
  ...extra,
});

/** Waits for the audit message `ts` to be updated into its final summary. */
function finalSummaryOf(ts: unknown) {
  return fake.waitFor(
    () =>
      fake
        .callsOf("chat.update")
        .find(
          (c) =>
            c.args.ts === ts &&
            c.result.ok &&
            JSON.stringify(c.args.blocks ?? "").includes("Inactive-user audit:"),
        ),
    45_000,
  );
}

/** Starts the app and waits until it listens; returns the process and its /slack/events URL. */
async function startApp(extra: Record<string, string> = {}): Promise<{ app: Running; events: string }> {
  const app = spawnGongops(["start"], env(extra));
  const port = await listeningPort(app);
  return { app, events: `http://127.0.0.1:${port}/slack/events` };
}

describe("gongops start", () => {
  it("a bot token Slack refuses, or a Slack it cannot reach: one line naming the problem, before listening", async () => {
    // Both at once: the unreachable one spends its time in the Web API client's retries.
    const [refused, unreachable] = await Promise.all([
      runGongops(["start"], env({ SLACK_BOT_TOKEN: "xoxb-revoked" }), 20_000),
      runGongops(["start"], env({ SLACK_API_URL: "http://127.0.0.1:9/api" }), 30_000),
    ]);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/Slack refused SLACK_BOT_TOKEN \(invalid_auth\)/);
    expect(refused.stderr).not.toMatch(/listening|\n\s+at /);
    expect(unreachable.code, unreachable.stderr).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot reach Slack's Web API at http:\/\/127\.0\.0\.1:9\/api/);
    expect(unreachable.stderr).not.toMatch(/listening|\n\s+at /);
  }, 60_000);

  it("a signed payload=null costs one 400, never the process; SIGTERM then exits 0", async () => {
    const { app, events } = await startApp();
    try {
      const body = "payload=null";
      const res = await fetch(events, {
        method: "POST",
        headers: slackHeaders(SECRET, body, "application/x-www-form-urlencoded"),
        body,
      });
      expect(res.status).toBe(400);
      expect((await fetch(events.replace("/slack/events", "/health"))).status).toBe(200);
      const cmd = slashCommand({ user: ADMIN, text: "help", responseUrl: fake.responseUrl("alive") });
      expect((await postSigned(events, SECRET, cmd, "application/x-www-form-urlencoded")).status).toBe(200);
      await fake.waitFor(() => fake.repliesTo("alive")[0]);
    } finally {
      app.child.kill("SIGTERM");
    }
    const done = await app.done;
    expect(done.code).toBe(0);
    expect(done.ms).toBeLessThan(30_000);
  }, 60_000);

  it("kill -9 during a Slack-started audit: after a restart it finishes in the same message", async () => {
    const first = await startApp();
    sim.stats.reset();
    const cmd = slashCommand({ user: ADMIN, text: "audit 180", responseUrl: fake.responseUrl("k9") });
    const posts = fake.callsOf("chat.postMessage").length;
    await postSigned(first.events, SECRET, cmd, "application/x-www-form-urlencoded");
    const post = await fake.waitFor(() => fake.callsOf("chat.postMessage")[posts], 20_000);
    // Killed once the audit itself is asking Gong (after the sync that comes first).
    const auditing = () =>
      Object.entries(sim.stats.byEndpoint)
        .filter(([endpoint]) => endpoint.includes("/calls") || endpoint.includes("/stats/"))
        .reduce((n, [, count]) => n + count, 0);
    await until(() => auditing() > 3, 30_000);
    first.app.child.kill("SIGKILL");
    await first.app.done;

    const second = await startApp();
    try {
      const summary = await finalSummaryOf(post.result.ts);
      expect(summary.args.channel).toBe(post.args.channel);
      expect(second.app.stderr()).toMatch(/resuming the audit a Slack message follows/);
    } finally {
      second.app.child.kill("SIGTERM");
      await second.app.done;
    }
  }, 90_000);
});

describe("operations", () => {
  it("/ready is 503 until Slack's auth.test passes, then 200; /metrics shows the sync, the audit and Gong", async () => {
    fake.delays.set("auth.test", 3000);
    const app = spawnGongops(["start"], env({ GONGOPS_DB_PATH: join(dir, "ops.db"), PORT: "0" }));
    try {
      // The port, from the line logged as soon as it listens (before Slack is asked).
      const base = await until(() => {
        const m =
          /"msg":"serving health and readiness","port":(\d+)|"port":(\d+),"msg":"serving health and readiness"/.exec(
            app.stderr(),
          );
        const port = m?.[1] ?? m?.[2];
        return port ? `http://127.0.0.1:${port}` : undefined;
      }, 20_000);
      const early = await fetch(`${base}/ready`);
      expect(early.status).toBe(503);
      expect(JSON.stringify(await early.json())).toMatch(/auth\.test has not succeeded/);
      expect((await fetch(`${base}/health`)).status).toBe(200);
      await until(async () => (await fetch(`${base}/ready`)).status === 200, 20_000);
      const ready = await fetch(`${base}/ready`);
      expect(await ready.json()).toEqual({ ready: true, problems: [] });

      const events = `${base}/slack/events`;
      for (const text of ["sync", "audit 30"]) {
        const body = slashCommand({ user: ADMIN, text, responseUrl: fake.responseUrl(`ops-${text}`) });
        await postSigned(events, SECRET, body, "application/x-www-form-urlencoded");
        if (text === "sync")
          await fake.waitFor(() => fake.repliesTo("ops-sync").find((r) => /synced/.test(r.text)), 30_000);
      }
      const metrics = await until(async () => {
        const text = await (await fetch(`${base}/metrics`)).text();
        return /gongops_audit_runs\{status="succeeded"\} 1/.test(text) && text;
      }, 60_000);
      // The sync asked for, and the audit's own (an audit from Slack reads Gong as it is now).
      expect(metrics).toMatch(/gongops_sync_runs\{outcome="succeeded"\} 2/);
      expect(metrics).toMatch(/gongops_gong_requests_total\{endpoint="GET \/v2\/users",status="200"\} \d+/);
      expect(metrics).toMatch(/gongops_gong_budget_used_today \d+/);
      expect(metrics).toMatch(/gongops_slack_ack_seconds_count\{listener="command"\} 2/);
      expect(metrics).toMatch(/gongops_process_cpu_seconds_total/);
    } finally {
      fake.delays.delete("auth.test");
      app.child.kill("SIGTERM");
      await app.done;
    }
  }, 120_000);

  it("SIGTERM during an audit: exit 0 within 10 s; the audit is paused and resumes on the next start", async () => {
    const db = { GONGOPS_DB_PATH: join(dir, "term.db") };
    const first = await startApp(db);
    sim.stats.reset();
    // Slow calls, so that the audit is still running when the signal comes.
    for (const endpoint of ["POST /v2/calls/extensive", "GET /v2/calls"])
      sim.addFault({ fault: { kind: "slow", delayMs: 400 }, endpoint, times: 10_000 });
    const cmd = slashCommand({
      user: ADMIN,
      text: "audit 180 --activity hosted",
      responseUrl: fake.responseUrl("term"),
    });
    const posts = fake.callsOf("chat.postMessage").length;
    await postSigned(first.events, SECRET, cmd, "application/x-www-form-urlencoded");
    const post = await fake.waitFor(() => fake.callsOf("chat.postMessage")[posts], 20_000);
    await until(
      () =>
        (sim.stats.byEndpoint["POST /v2/calls/extensive"] ?? 0) +
          (sim.stats.byEndpoint["GET /v2/calls"] ?? 0) >
        2,
      30_000,
    );
    const killedAt = Date.now();
    first.app.child.kill("SIGTERM");
    const done = await first.app.done;
    expect(done.code).toBe(0);
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    const stopped = fake
      .callsOf("chat.update")
      .filter((c) => c.args.ts === post.result.ts && c.result.ok)
      .at(-1)!;
    expect(JSON.stringify(stopped.args.blocks)).toMatch(/paused.*restarting/);
    sim.clearFaults();

    const second = await startApp(db);
    try {
      await finalSummaryOf(post.result.ts);
    } finally {
      second.app.child.kill("SIGTERM");
      await second.app.done;
    }
  }, 120_000);
});
