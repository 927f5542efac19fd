import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimOrg } from "../../src/sim/org.js";
import type { GongSim } from "../../src/sim/server.js";
import { FakeSlack, postSigned, userChangeEvent } from "../helpers/fakeSlack.js";
import { startSim } from "../helpers/gong.js";
import { listeningPort, oneJson, runGongops, spawnGongops } from "../helpers/process.js";

/**
 * Leavers as people meet them: gongops as real processes, Gong played by the simulator, Slack by the
 * fake (users.list paged, deleted accounts, bots, guests, signed user_change events).
 *
 * The org: a manager, five active Gong users deactivated in Slack, three with no Slack account, one
 * Gong-deactivated user also deactivated in Slack, two people still in Slack (one of them matched through
 * an alias, in another case), a bot and a guest whose accounts are deactivated.
 */
const SECRET = "leavers-signing-secret";
const ADMIN = "UADMIN1";
const CHANNEL = "C0APPROVALS";
const DEACTIVATED_AT = new Date("2026-01-15T09:00:00Z");
let sim: GongSim;
let fake: FakeSlack;
let dir: string;
const leaverIds: string[] = [];
const contractorIds: string[] = [];
let stayerId = "";
let managerId = "";

beforeAll(async () => {
  const org = new SimOrg({ domain: "acme.example", seed: 19 });
  const manager = org.addUser({ id: "5000000000000000001", firstName: "Mia", lastName: "Boss" });
  managerId = manager.id;
  const slackId = (id: string) => `U${id.slice(-6)}`;
  fake = await FakeSlack.start();
  fake.emails.set(slackId(manager.id), manager.emailAddress);
  for (let i = 1; i <= 5; i++) {
    const u = org.addUser({
      id: `500000000000000010${i}`,
      firstName: `Gone${i}`,
      lastName: "Away",
      managerId: manager.id,
    });
    leaverIds.push(u.id);
    fake.emails.set(slackId(u.id), u.emailAddress.toUpperCase());
    fake.deactivate(slackId(u.id), DEACTIVATED_AT);
  }
  for (let i = 1; i <= 3; i++)
    contractorIds.push(
      org.addUser({ id: `500000000000000020${i}`, firstName: `Con${i}`, lastName: "Tractor" }).id,
    );
  const offboarded = org.addUser({
    id: "5000000000000000301",
    firstName: "Olga",
    lastName: "Off",
    active: false,
  });
  fake.emails.set(slackId(offboarded.id), offboarded.emailAddress);
  fake.deactivate(slackId(offboarded.id), DEACTIVATED_AT);
  const stayer = org.addUser({
    id: "5000000000000000401",
    firstName: "Sam",
    lastName: "Stay",
    managerId: manager.id,
  });
  stayerId = stayer.id;
  fake.emails.set(slackId(stayer.id), stayer.emailAddress);
  const aliased = org.addUser({
    id: "5000000000000000402",
    firstName: "Al",
    lastName: "Ias",
    emailAliases: ["al.old@acme.example"],
  });
  fake.emails.set(slackId(aliased.id), "AL.OLD@acme.example");
  // A bot and a guest sharing Gong users' addresses, deactivated: never anyone's evidence.
  const botOwner = org.addUser({ id: "5000000000000000501", firstName: "Bo", lastName: "Tee" });
  fake.emails.set(slackId(botOwner.id), botOwner.emailAddress);
  fake.emails.set("UBOT0001", botOwner.emailAddress);
  fake.botUsers.add("UBOT0001");
  fake.deactivate("UBOT0001", DEACTIVATED_AT);
  const guestOwner = org.addUser({ id: "5000000000000000502", firstName: "Gus", lastName: "Guest" });
  fake.emails.set(slackId(guestOwner.id), guestOwner.emailAddress);
  fake.emails.set("UGUEST01", guestOwner.emailAddress);
  fake.guestUsers.add("UGUEST01");
  fake.deactivate("UGUEST01", DEACTIVATED_AT);
  fake.emails.set(ADMIN, "admin@elsewhere.example");
  sim = await startSim({ org });
  dir = mkdtempSync(join(tmpdir(), "gongops-leavers-"));
});
afterAll(async () => {
  await fake.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

function env(db: string, extra: Record<string, string> = {}) {
  return {
    ...sim.env(),
    GONGOPS_DB_PATH: join(dir, db),
    GONG_MAX_RPS: "100",
    GONG_DAILY_QUOTA: "1000000",
    SLACK_BOT_TOKEN: "xoxb-test-token",
    SLACK_API_URL: `${fake.url}/api`,
    GONGOPS_SEAT_PRICE_PER_YEAR: "1200",
    ...extra,
  };
}

describe("gongops leavers --json", () => {
  it("lists exactly the five, the three apart, and makes no Gong request on a fresh directory", async () => {
    const synced = await runGongops(["sync"], env("cli.db"));
    expect(synced.code, synced.stderr).toBe(0);
    const before = sim.stats.requests;
    const listsBefore = fake.callsOf("users.list").length;
    const run = await runGongops(["leavers", "--json"], env("cli.db"));
    expect(run.code, run.stderr).toBe(0);
    const out = oneJson(run.stdout) as {
      leavers: { id: string; email: string; evidence: { source: string; since?: string } }[];
      notInSlack: { id: string }[];
    };
    expect(out.leavers.map((l) => l.id).sort()).toEqual([...leaverIds].sort());
    expect(out.leavers[0]!.evidence).toEqual({ source: "slack", since: DEACTIVATED_AT.toISOString() });
    expect(out.notInSlack.map((p) => p.id).sort()).toEqual([...contractorIds].sort());
    expect(sim.stats.requests - before).toBe(0);
    // One paged pass (the fake pages at the limit gongops asks for).
    expect(fake.callsOf("users.list").length - listsBefore).toBeGreaterThanOrEqual(1);
    expect(
      fake
        .callsOf("users.list")
        .slice(listsBefore)
        .every((c) => c.result.ok),
    ).toBe(true);
  }, 90_000);
});

describe("gongops start: Slack's user_change", () => {
  it("tells the admins once within 60 s and files one request for a retried event; a reactivation withdraws it", async () => {
    const db = "app.db";
    const e = env(db, {
      SLACK_SIGNING_SECRET: SECRET,
      GONGOPS_ADMIN_USER_IDS: ADMIN,
      GONGOPS_APPROVALS_CHANNEL: CHANNEL,
      GONGOPS_LEAVERS_AUTO_REQUEST: "true",
      GONGOPS_LOG_LEVEL: "info",
      PORT: "0",
    });
    expect((await runGongops(["sync"], e)).code).toBe(0);
    const app = spawnGongops(["start"], e);
    const stayerSlack = `U${stayerId.slice(-6)}`;
    const aboutStayer = () =>
      fake
        .callsOf("chat.postMessage")
        .filter((c) => c.args.channel === CHANNEL && String(c.args.text).includes("Sam Stay"));
    try {
      const port = await listeningPort(app);
      const events = `http://127.0.0.1:${port}/slack/events`;
      expect(aboutStayer()).toEqual([]);

      fake.deactivate(stayerSlack, new Date());
      const body = userChangeEvent(fake.userObject(stayerSlack), "EvSam1");
      const sent = Date.now();
      expect((await postSigned(events, SECRET, body, "application/json")).status).toBe(200);
      // Slack's retry of the same event, and a second one for the same change.
      await postSigned(events, SECRET, body, "application/json", {
        "x-slack-retry-num": "1",
        "x-slack-retry-reason": "http_timeout",
      });
      await postSigned(
        events,
        SECRET,
        userChangeEvent(fake.userObject(stayerSlack), "EvSam2"),
        "application/json",
      );
      const notice = await fake.waitFor(() => aboutStayer()[0], 60_000);
      expect(Date.now() - sent).toBeLessThan(60_000);
      expect(JSON.stringify(notice.args.blocks)).toContain("Mia Boss");
      expect(JSON.stringify(notice.args.blocks)).toContain("$1,200");
      const sqlite = new Database(join(dir, db), { readonly: true });
      const requests = () =>
        sqlite
          .prepare("SELECT id, state FROM approval_subjects WHERE user_id = ? AND dry_run = 0")
          .all(stayerId) as { id: number; state: string }[];
      const filed = await fake.waitFor(() => requests().length > 0 && requests(), 30_000);
      // Give a duplicate every chance to show.
      await new Promise((r) => setTimeout(r, 1500));
      expect(aboutStayer()).toHaveLength(1);
      expect(requests()).toHaveLength(1);
      expect(filed[0]!.state).toBe("pending");
      const reason = sqlite
        .prepare(
          "SELECT r.reason FROM approval_requests r JOIN approval_subjects s ON s.request_id = r.id WHERE s.id = ?",
        )
        .get(filed[0]!.id) as { reason: string };
      expect(reason.reason).toMatch(/^left: Slack account deactivated on \d{4}-\d\d-\d\d$/);

      // Back in Slack: the pending request is withdrawn, the notice says so.
      fake.deactivate(stayerSlack, new Date(), false);
      await postSigned(
        events,
        SECRET,
        userChangeEvent(fake.userObject(stayerSlack), "EvSam3"),
        "application/json",
      );
      await fake.waitFor(() => requests()[0]!.state === "cancelled", 30_000);
      await fake.waitFor(
        () =>
          fake
            .callsOf("chat.update")
            .find((c) => c.args.ts === notice.result.ts && String(c.args.text).includes("is back")),
        30_000,
      );
      sqlite.close();
    } finally {
      app.child.kill("SIGTERM");
      const hard = setTimeout(() => app.child.kill("SIGKILL"), 15_000);
      await app.done;
      clearTimeout(hard);
    }
    expect(managerId).not.toBe("");
  }, 180_000);
});
