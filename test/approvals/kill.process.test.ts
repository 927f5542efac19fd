import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GongSim } from "../../src/sim/server.js";
import { ACTIONS } from "../../src/slack/ids.js";
import { buttonClick, FakeSlack, postSigned, slashCommand } from "../helpers/fakeSlack.js";
import { startSim } from "../helpers/gong.js";
import { ID, knownOrg } from "../helpers/org.js";
import { listeningPort, type Running, spawnGongops, until } from "../helpers/process.js";
import { PATCH, slackIdOf } from "./helpers.js";

/**
 * `gongops start` as a real process, killed with SIGKILL after an approval committed and before (or
 * during) its PATCH, then restarted: exactly one PATCH in the end.
 */
const SECRET = "approvals-kill-signing-secret";
const ADMIN = "UADMIN1";
let sim: GongSim;
let fake: FakeSlack;
let dir: string;

beforeAll(async () => {
  sim = await startSim({ org: knownOrg() });
  fake = await FakeSlack.start();
  for (const u of sim.org.users()) fake.emails.set(slackIdOf(u.id), u.emailAddress);
  dir = mkdtempSync(join(tmpdir(), "gongops-approvals-kill-"));
});
afterAll(async () => {
  await fake.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = () => ({
  ...sim.env(),
  GONGOPS_DB_PATH: join(dir, "app.db"),
  GONG_MAX_RPS: "100",
  SLACK_BOT_TOKEN: "xoxb-test-token",
  SLACK_SIGNING_SECRET: SECRET,
  SLACK_API_URL: `${fake.url}/api`,
  GONGOPS_ADMIN_USER_IDS: ADMIN,
  GONGOPS_LEASE_SECONDS: "1",
  GONGOPS_LOG_LEVEL: "info",
  PORT: "0",
});

async function startApp(): Promise<{ app: Running; events: string }> {
  const app = spawnGongops(["start"], env());
  const port = await listeningPort(app);
  return { app, events: `http://127.0.0.1:${port}/slack/events` };
}

async function approveAndKill(userId: string, faultOn: string): Promise<void> {
  const first = await startApp();
  const email = sim.org.user(userId)!.emailAddress;
  const rid = `k${userId.slice(-2)}`;
  await postSigned(
    first.events,
    SECRET,
    slashCommand({
      user: ADMIN,
      text: `deactivate ${email} --reason "kill test"`,
      responseUrl: fake.responseUrl(rid),
    }),
    "application/x-www-form-urlencoded",
  );
  await fake.waitFor(() => fake.repliesTo(rid)[0], 20_000);
  const approver = userId === ID.fay ? slackIdOf(ID.mgr) : slackIdOf(ID.vpB);
  const dm = await fake.waitFor(
    () =>
      fake
        .callsOf("chat.postMessage")
        .find(
          (c) => c.args.channel === `D${approver.slice(1)}` && JSON.stringify(c.args.blocks).includes(email),
        ),
    20_000,
  );
  const subjectId = /"value":"(\d+)"/.exec(JSON.stringify(dm.args.blocks))![1]!;
  const before = sim.stats.byEndpoint[faultOn] ?? 0;
  sim.addFault({ fault: { kind: "slow", delayMs: 1500 }, endpoint: faultOn });
  await postSigned(
    first.events,
    SECRET,
    buttonClick({
      user: approver,
      actionId: ACTIONS.approve,
      value: subjectId,
      responseUrl: fake.responseUrl(`${rid}a`),
    }),
    "application/x-www-form-urlencoded",
  );
  await until(() => (sim.stats.byEndpoint[faultOn] ?? 0) > before, 20_000);
  first.app.child.kill("SIGKILL");
  await first.app.done;
}

describe("kill -9 between approval and PATCH", () => {
  it("killed before the PATCH (while finding the SCIM user): one PATCH after the restart", async () => {
    await approveAndKill(ID.fay, "GET /scim/v2/Users");
    expect(sim.stats.byEndpoint[PATCH] ?? 0).toBe(0);
    const second = await startApp();
    try {
      await until(() => sim.org.user(ID.fay)!.active === false, 30_000);
      await new Promise((r) => setTimeout(r, 500));
      expect(sim.stats.byEndpoint[PATCH]).toBe(1);
    } finally {
      second.app.child.kill("SIGTERM");
      await second.app.done;
    }
  }, 90_000);

  it("killed while the PATCH is in flight: the restart sees it landed and sends no second PATCH", async () => {
    const patchesBefore = sim.stats.byEndpoint[PATCH] ?? 0;
    await approveAndKill(ID.mgr, PATCH);
    await until(() => sim.org.user(ID.mgr)!.active === false, 10_000); // the PATCH landed after the kill
    const second = await startApp();
    try {
      await fake.waitFor(
        () =>
          fake
            .callsOf("chat.update")
            // The first process recorded the PATCH before sending it: the restart says it landed.
            .some((c) => /the PATCH sent at [^"]* but it landed/.test(JSON.stringify(c.args.blocks))),
        30_000,
      );
      expect(sim.stats.byEndpoint[PATCH]).toBe(patchesBefore + 1);
    } finally {
      second.app.child.kill("SIGTERM");
      await second.app.done;
    }
  }, 90_000);
});
