import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createContext } from "../../src/context.js";
import { SimOrg } from "../../src/sim/org.js";
import type { GongSim } from "../../src/sim/server.js";
import { ACTIONS } from "../../src/slack/ids.js";
import {
  buttonClick,
  FakeSlack,
  postSigned,
  requestModalSubmission,
  slashCommand,
} from "../helpers/fakeSlack.js";
import { startSim } from "../helpers/gong.js";
import { captureLog } from "../helpers/log.js";
import { listeningPort, spawnGongops, until } from "../helpers/process.js";

/**
 * The audit modal under the default `any` rule, as people meet it: `gongops start` as a real process,
 * signed Slack requests, Gong played by the simulator and Slack by the fake. "Request deactivation…"
 * offers and files exactly the users the run found inactive (its report's list), never candidates who
 * merely hosted no call while they listen, score or comment. And the person is their Gong id: an address
 * that moves to someone else between filing and approval deactivates nobody.
 */
const SECRET = "audit-modal-signing-secret";
const ADMIN = "UADMIN1";
const CHANNEL = "C0APPROVALS";
let sim: GongSim;
let fake: FakeSlack;
let dir: string;

beforeAll(async () => {
  sim = await startSim({ org: SimOrg.generate({ users: 40, seed: 18 }) });
  fake = await FakeSlack.start();
  for (const u of sim.org.users()) fake.emails.set(`U${u.id.slice(-6)}`, u.emailAddress);
  fake.emails.set(ADMIN, "admin@elsewhere.example");
  dir = mkdtempSync(join(tmpdir(), "gongops-audit-modal-"));
});
afterAll(async () => {
  await fake.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = {
  get value() {
    return {
      ...sim.env(),
      GONGOPS_DB_PATH: join(dir, "app.db"),
      GONG_MAX_RPS: "100",
      GONG_DAILY_QUOTA: "1000000",
      SLACK_BOT_TOKEN: "xoxb-test-token",
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: `${fake.url}/api`,
      GONGOPS_ADMIN_USER_IDS: ADMIN,
      GONGOPS_APPROVALS_CHANNEL: CHANNEL,
      GONGOPS_LOG_LEVEL: "info",
      PORT: "0",
    };
  },
};

describe("Request deactivation… under the any rule, gongops start as a process", () => {
  it("offers and files exactly the report's inactive list, none of those who only listen, score or comment", async () => {
    const app = spawnGongops(["start"], env.value);
    let runId = 0;
    let requestId = 0;
    try {
      const port = await listeningPort(app);
      const events = `http://127.0.0.1:${port}/slack/events`;
      const posts = fake.callsOf("chat.postMessage").length;
      await postSigned(
        events,
        SECRET,
        slashCommand({ user: ADMIN, text: "audit 90", responseUrl: fake.responseUrl("audit") }),
        "application/x-www-form-urlencoded",
      );
      const post = await fake.waitFor(() => fake.callsOf("chat.postMessage")[posts], 20_000);
      const summary = await fake.waitFor(
        () =>
          fake
            .callsOf("chat.update")
            .find(
              (c) =>
                c.args.ts === post.result.ts &&
                c.result.ok &&
                JSON.stringify(c.args.blocks ?? "").includes("Inactive-user audit:"),
            ),
        60_000,
      );
      const blocks = JSON.stringify(summary.args.blocks);
      const inactive = Number(/Inactive-user audit: (\d+) of \d+ active users/.exec(blocks)![1]);
      runId = Number(
        new RegExp(`"action_id":"${ACTIONS.requestFromAudit}","value":"(\\d+)"`).exec(blocks)![1],
      );

      const opened = fake.callsOf("views.open").length;
      await postSigned(
        events,
        SECRET,
        buttonClick({
          user: ADMIN,
          actionId: ACTIONS.requestFromAudit,
          value: String(runId),
          responseUrl: fake.responseUrl("modal"),
        }),
        "application/x-www-form-urlencoded",
      );
      const modal = await fake.waitFor(() => fake.callsOf("views.open")[opened], 20_000);
      const view = JSON.stringify(modal.args.view);
      expect(view).toContain(`${inactive} inactive user${inactive === 1 ? "" : "s"} in audit ${runId}`);
      const offered = (
        modal.args.view.blocks as { block_id?: string; element?: { options?: unknown[] } }[]
      ).find((b) => b.block_id === "users")!.element!.options!.length;
      expect(offered).toBe(inactive);

      await postSigned(
        events,
        SECRET,
        requestModalSubmission({ user: ADMIN, runId, reason: "no activity this quarter" }),
        "application/x-www-form-urlencoded",
      );
      const told = await fake.waitFor(
        () =>
          fake
            .callsOf("chat.postMessage")
            .find((m) => m.args.channel === ADMIN && /Deactivation request #\d+/.test(m.args.text)),
        30_000,
      );
      expect(told.args.text).toMatch(new RegExp(`: ${inactive} users? sent to their approvers\\.`));
      expect(told.args.text).not.toMatch(/Not included/);
      requestId = Number(/#(\d+)/.exec(told.args.text)![1]);
    } finally {
      await stopApp(app);
    }

    // What the run found, read back from the database the process wrote.
    const { log } = captureLog();
    const ctx = createContext({ config: loadConfig({ ...env.value, GONGOPS_LOG_LEVEL: "warn" }), log });
    try {
      const report = ctx.audit!.report(runId);
      expect(report.rule).toBe("any");
      // The case that mattered: candidates who hosted no call but used Gong otherwise.
      expect(report.activeOtherThanHosting.length).toBeGreaterThan(0);
      const filed = ctx.approvals
        .view(requestId)!
        .subjects.map((s) => s.userId)
        .sort();
      expect(filed).toEqual(report.inactive.map((u) => u.id).sort());
      for (const busy of report.activeOtherThanHosting) expect(filed).not.toContain(busy.id);
    } finally {
      await ctx.close();
    }
  }, 120_000);
});

describe("an address reused before the approval, gongops start as a process", () => {
  it("the approval deactivates nobody: the subject is cancelled, saying its Gong id no longer carries the address", async () => {
    const people = sim.org.users().filter((u) => u.active);
    const byId = new Map(people.map((u) => [u.id, u]));
    // Someone whose manager is active (the manager decides in a DM), and someone else to take the address.
    const leaver = people.find(
      (u) => u.managerId && byId.has(u.managerId) && !people.some((p) => p.managerId === u.id),
    )!;
    const other = people.find((u) => u.id !== leaver.id && u.id !== leaver.managerId && !u.managerId)!;
    const manager = `U${leaver.managerId!.slice(-6)}`;
    const address = leaver.emailAddress;
    const patches = () => sim.stats.byEndpoint["PATCH /scim/v2/Users/{id}"] ?? 0;
    const before = patches();
    const app = spawnGongops(["start"], env.value);
    try {
      const events = `http://127.0.0.1:${await listeningPort(app)}/slack/events`;
      await postSigned(
        events,
        SECRET,
        slashCommand({
          user: ADMIN,
          text: `deactivate ${address} --reason "seat review" --force`,
          responseUrl: fake.responseUrl("reuse-file"),
        }),
        "application/x-www-form-urlencoded",
      );
      const dm = await fake.waitFor(
        () =>
          fake
            .callsOf("chat.postMessage")
            .find(
              (c) =>
                c.args.channel === `D${manager.slice(1)}` && JSON.stringify(c.args.blocks).includes(address),
            ),
        20_000,
      );
      const subjectId = Number(/"value":"(\d+)"/.exec(JSON.stringify(dm.args.blocks))![1]);

      // The address moves: the leaver gets another one, and `other` now carries theirs.
      sim.org.updateUser(leaver.id, { emailAddress: `old.${address}` });
      sim.org.updateUser(other.id, { emailAddress: address });

      await postSigned(
        events,
        SECRET,
        buttonClick({
          user: manager,
          actionId: ACTIONS.approve,
          value: String(subjectId),
          responseUrl: fake.responseUrl("reuse-approve"),
        }),
        "application/x-www-form-urlencoded",
      );
      const settled = await until(() => {
        const row = subjectRow(subjectId);
        return row && !["pending", "approved", "executing"].includes(row.state) && row;
      }, 30_000);
      expect(settled.state).toBe("cancelled");
      expect(settled.state_reason).toContain(`no longer carries ${address}`);
      expect(patches()).toBe(before);
      expect(sim.org.user(leaver.id)!.active).toBe(true);
      expect(sim.org.user(other.id)!.active).toBe(true);
    } finally {
      await stopApp(app);
    }
  }, 90_000);
});

/** A subject's row as the process left it (read-only: the process owns the database). */
function subjectRow(id: number): { state: string; state_reason: string | null } | undefined {
  const db = new Database(join(dir, "app.db"), { readonly: true });
  try {
    return db.prepare("SELECT state, state_reason FROM approval_subjects WHERE id = ?").get(id) as never;
  } finally {
    db.close();
  }
}

/** SIGTERM, and never left behind: a stop that hangs is issue 18 §5's to test, not this file's. */
async function stopApp(app: ReturnType<typeof spawnGongops>): Promise<void> {
  app.child.kill("SIGTERM");
  const hard = setTimeout(() => app.child.kill("SIGKILL"), 15_000);
  await app.done;
  clearTimeout(hard);
}
