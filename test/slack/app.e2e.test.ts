import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GongContext } from "../../src/context.js";
import { SimOrg } from "../../src/sim/org.js";
import type { GongSim } from "../../src/sim/server.js";
import { createSlackApp } from "../../src/slack/app.js";
import { ACTIONS } from "../../src/slack/ids.js";
import { simContext } from "../helpers/context.js";
import {
  appHomeOpened,
  buttonClick,
  FakeSlack,
  postSigned,
  slackHeaders,
  slashCommand,
} from "../helpers/fakeSlack.js";
import { startSim } from "../helpers/gong.js";
import { type SlackRig, startSlackRig } from "../helpers/slackRig.js";

/**
 * The Slack face end to end: a real Bolt app on its HTTP receiver (port 0), requests signed the way
 * Slack signs them, Slack's Web API played by a fake on loopback, and Gong by the simulator.
 */
const SECRET = "test-signing-secret-0123456789";
const ADMIN = "UADMIN1";
const MEMBER = "UMEMBER1";

let rig: SlackRig;
let sim: GongSim;
let fake: FakeSlack;
let ctx: GongContext & { lines: string[] };
let events = "";
let seq = 0;

beforeAll(async () => {
  rig = await startSlackRig({
    org: SimOrg.generate({ users: 600, seed: 31 }),
    sim: { latencyMs: 10 },
    secret: SECRET,
    admin: ADMIN,
  });
  ({ sim, fake, ctx, events } = rig);
});

afterAll(async () => rig?.stop());

/** Sends `/gong <text>` as `user`; returns the response_url id and the HTTP ack. */
async function gong(user: string, text: string): Promise<{ id: string; ack: Response; ackBody: string }> {
  const id = `r${++seq}`;
  const body = slashCommand({ user, text, responseUrl: fake.responseUrl(id) });
  const ack = await postSigned(events, SECRET, body, "application/x-www-form-urlencoded");
  return { id, ack, ackBody: await ack.text() };
}

async function click(
  user: string,
  actionId: string,
  value: string,
  extra: { channel?: string; ts?: string } = {},
) {
  const id = `b${++seq}`;
  const body = buttonClick({ user, actionId, value, responseUrl: fake.responseUrl(id), ...extra });
  const ack = await postSigned(events, SECRET, body, "application/x-www-form-urlencoded");
  return { id, ack };
}

const reply = (id: string) => fake.waitFor(() => fake.repliesTo(id)[0]);
const blocksText = (message: { blocks?: unknown[]; text?: string }) =>
  JSON.stringify(message.blocks ?? []) + (message.text ?? "");

describe("lookups", () => {
  it("/gong user <email>: a card with title, manager and freshness, and two buttons", async () => {
    const target = sim.org
      .users()
      .find(
        (u) =>
          u.active && u.managerId && ctx.repos.directory.byId(ctx.repos.directory.state()!.gen, u.managerId),
      )!;
    const { id, ack } = await gong(MEMBER, `user ${target.emailAddress}`);
    expect(ack.status).toBe(200);
    const r = await reply(id);
    expect(r.response_type).toBe("ephemeral");
    expect(r.blocks[0]).toMatchObject({ type: "header", text: { type: "plain_text" } });
    const text = blocksText(r);
    expect(text).toContain(target.lastName);
    expect(text).toContain("directory snapshot from");
    expect(r.blocks.at(-1).elements.map((e: { action_id: string }) => e.action_id)).toEqual([
      ACTIONS.showChain,
      ACTIONS.showReports,
    ]);
  });

  it("/gong user @someone maps the Slack user to Gong by their profile email", async () => {
    const target = sim.org.users()[10]!;
    fake.emails.set("UJANE", target.emailAddress.toUpperCase());
    const { id } = await gong(MEMBER, "user <@UJANE|jane>");
    expect(JSON.stringify((await reply(id)).blocks)).toContain(target.id);
    expect(fake.callsOf("users.info").at(-1)?.args.user).toBe("UJANE");
  });

  it("escapes Gong text: a user named <!channel> pings nobody, a link-shaped name links nothing", async () => {
    const hostile = sim.org.users().find((u) => u.firstName === "<!channel>")!;
    const { id } = await gong(MEMBER, `user ${hostile.id}`);
    const r = await reply(id);
    const json = JSON.stringify(r);
    expect(json).not.toContain("<!channel>");
    expect(json).toContain("&lt;!channel&gt;");
    expect(json).toContain("Ops &lt;Lead&gt; &amp; Co");
    const linky = sim.org.users().find((u) => u.firstName.startsWith("<https://evil"))!;
    const second = JSON.stringify(await reply((await gong(MEMBER, `user ${linky.id}`)).id));
    expect(second).not.toContain("<https://evil.example|click here>");
    // Emails are code, and text objects are verbatim: nothing is auto-linked.
    expect(json).toMatch(/`[^`]+@acme\.example`/);
    expect(r.blocks[1].fields.every((f: { verbatim: boolean }) => f.verbatim === true)).toBe(true);
  });

  it("a user card shows their Gong activity over the default look-back, in one line", async () => {
    const someone = sim.org.users().find((u) => u.active && u.firstName !== "<!channel>")!;
    const json = JSON.stringify(await reply((await gong(MEMBER, `user ${someone.id}`)).id));
    expect(json).toMatch(
      /\*Activity\* last 90 days, \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2} \(America\/Los_Angeles\): /,
    );
  });

  it("an unknown user gets the closest names", async () => {
    const someone = sim.org.users()[20]!;
    const typo = `${someone.firstName.slice(0, -1)}x ${someone.lastName}`;
    const { id } = await gong(MEMBER, `user ${typo}`);
    expect(blocksText(await reply(id))).toMatch(/No Gong user matches .*Did you mean/);
  });

  it("/gong chain and /gong reports, and the card's buttons", async () => {
    const ceo = sim.org.users()[0]!;
    const leaf = sim.org.users().find((u) => u.managerId && sim.org.user(u.managerId)?.managerId)!;
    const chain = await reply((await gong(MEMBER, `chain ${leaf.emailAddress}`)).id);
    expect(blocksText(chain)).toContain("top of the tree");
    const reports = await reply((await gong(MEMBER, `reports ${ceo.id} --depth 1`)).id);
    expect(blocksText(reports)).toMatch(/reports, \d+ inactive/);
    const button = await click(MEMBER, ACTIONS.showChain, leaf.id);
    expect(button.ack.status).toBe(200);
    expect(blocksText(await reply(button.id))).toContain("Reporting line of");
    const direct = await reply((await click(MEMBER, ACTIONS.showReports, ceo.id)).id);
    expect(blocksText(direct)).toContain("Reports of");
  });

  it("a long tree collapses with a count and a working 'show more'", async () => {
    const ceo = sim.org.users()[0]!;
    const first = await reply((await gong(MEMBER, `reports ${ceo.id}`)).id);
    const more = first.blocks.at(-1);
    expect(more.type).toBe("actions");
    expect(more.elements[0].text.text).toMatch(/Show more \(\d+ more\)/);
    const next = await reply((await click(MEMBER, ACTIONS.moreLines, more.elements[0].value)).id);
    expect(next.blocks[0].type).toBe("header");
    expect(blocksText(next)).not.toEqual(blocksText(first));
  });

  it("cycles and unknown managers are shown plainly", async () => {
    const users = sim.org.users();
    const inCycle = users.find((u) => u.managerId && sim.org.user(u.managerId)?.managerId === u.id)!;
    const dangling = users.find((u) => u.managerId === "9999999999999999999")!;
    expect(blocksText(await reply((await gong(MEMBER, `chain ${inCycle.id}`)).id))).toContain(
      "reporting cycle",
    );
    expect(blocksText(await reply((await gong(MEMBER, `chain ${dangling.id}`)).id))).toContain(
      "is not in the directory",
    );
  });
});

describe("the front: acks do not wait for this thread", () => {
  /** A signed request sent by another process while this thread, its event loop with it, is held. */
  function sendWhileHeld(body: string): { status: number; body: string } | string {
    const headers = slackHeaders(SECRET, body, "application/x-www-form-urlencoded");
    const script = `const r = await fetch(process.env.URL, { method: "POST", headers: JSON.parse(process.env.HEADERS), body: process.env.BODY });
      process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() }));`;
    // spawnSync holds this thread until the child ends: only the front's thread can answer the child.
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...process.env, URL: events, HEADERS: JSON.stringify(headers), BODY: body },
      encoding: "utf8",
      timeout: 15_000,
    });
    return child.stdout ? JSON.parse(child.stdout) : `no answer: ${child.error?.message ?? child.stderr}`;
  }

  it("a /gong command is acked while this thread is held, and answered once it is free", async () => {
    const id = `r${++seq}`;
    const ack = sendWhileHeld(
      slashCommand({ user: MEMBER, text: "help", responseUrl: fake.responseUrl(id) }),
    );
    expect(ack).toEqual({ status: 200, body: "" });
    // The app's thread has not seen it yet; now it does, and answers through the response_url.
    expect(fake.repliesTo(id)).toEqual([]);
    expect((await reply(id)).text).toBe("gongops help");
  });

  it("a button click too; an unknown subcommand waits for the app's ack, which explains it", async () => {
    const id = `b${++seq}`;
    const click = buttonClick({
      user: MEMBER,
      actionId: "an.action.of.an.older.gongops",
      value: "x",
      responseUrl: fake.responseUrl(id),
    });
    expect(sendWhileHeld(click)).toEqual({ status: 200, body: "" });
    const unknown = await gong(MEMBER, "frobnicate");
    expect(unknown.ack.status).toBe(200);
    expect(unknown.ackBody).toMatch(/I don't know “frobnicate”/);
  });
});

describe("arguments and access", () => {
  it("a bad argument gets a short ephemeral usage", async () => {
    const r = await reply((await gong(MEMBER, "reports someone --depth lots")).id);
    expect(r.text).toMatch(/--depth wants a whole number/);
    const unknown = await gong(MEMBER, "deactivate-everyone");
    expect(unknown.ackBody).toMatch(/I don't know/);
  });

  it("a forged signature is refused and runs nothing", async () => {
    const before = fake.responses.length;
    const body = slashCommand({ user: ADMIN, text: "sync", responseUrl: fake.responseUrl("forged") });
    const res = await postSigned(events, "not-the-secret", body, "application/x-www-form-urlencoded");
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.responses.length).toBe(before);
  });

  it("a non-admin is refused audit, sync and org-health, and the refusal is logged", async () => {
    for (const sub of ["audit", "sync", "org-health", "exempt list"]) {
      const r = await reply((await gong(MEMBER, sub)).id);
      expect(r.text).toMatch(/Only gongops admins/);
    }
    expect(ctx.lines.some((l) => l.includes("refused") && l.includes(MEMBER) && l.includes("audit"))).toBe(
      true,
    );
  });

  it("help lists only what the caller may run; a user-group member counts as an admin", async () => {
    const member = blocksText(await reply((await gong(MEMBER, "help")).id));
    expect(member).toContain("/gong user");
    expect(member).not.toContain("/gong audit");
    const admin = blocksText(await reply((await gong(ADMIN, "help")).id));
    expect(admin).toContain("/gong audit");
  });
});

describe("admin commands", () => {
  it("/gong sync and /gong org-health", async () => {
    const sync = await gong(ADMIN, "sync");
    const done = await fake.waitFor(() =>
      fake.repliesTo(sync.id).find((b) => /Directory synced/.test(b.text)),
    );
    expect(done.text).toMatch(/Directory synced: \d+ users/);
    const health = await reply((await gong(ADMIN, "org-health")).id);
    expect(blocksText(health)).toMatch(/Reporting cycles: 1/);
  });

  it("/gong audit: a message that updates with progress, ends as a paged summary, with the CSV attached", async () => {
    const posts = fake.callsOf("chat.postMessage").length;
    const { id } = await gong(ADMIN, "audit 90");
    const post = await fake.waitFor(() => fake.callsOf("chat.postMessage")[posts]);
    expect(post.args.channel).toBe("C1");
    // A second audit while this one runs is told where it is.
    const second = await reply((await gong(ADMIN, "audit")).id);
    expect(second.text).toMatch(/already running.*acme\.slack\.example\/archives\/C1/);

    const summary = await fake.waitFor(() =>
      fake
        .callsOf("chat.update")
        .find((c) => JSON.stringify(c.args.blocks ?? "").includes("Inactive-user audit:")),
    );
    const updates = fake.callsOf("chat.update").filter((c) => c.args.ts === post.result.ts);
    expect(summary.args.ts).toBe(post.result.ts);
    const progress = updates.filter(
      (c) => JSON.stringify(c.args.blocks).includes("▓") || JSON.stringify(c.args.blocks).includes("░"),
    );
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(progress.at(-1)!.args.blocks)).toMatch(/Gong requests/);
    const blocks = summary.args.blocks as { type: string; text?: { text: string } }[];
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const b of blocks) if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);

    const report = ctx.audit!.report(ctx.repos.audits.latest("succeeded")!.id);
    expect(report.inactive.length).toBeGreaterThan(15);
    const upload = await fake.waitFor(() => fake.callsOf("files.completeUploadExternal")[0]);
    expect(upload.args.channel_id).toBe("C1");
    const csv = [...fake.uploads.values()].at(-1)!.toString("utf8");
    expect(csv.trim().split("\r\n")).toHaveLength(report.inactive.length + 1);
    expect(fake.repliesTo(id)).toEqual([]);

    // Next page, in place.
    const nav = blocks.find((b) => b.type === "actions") as unknown as {
      elements: { value: string; action_id: string }[];
    };
    await click(ADMIN, nav.elements[0]!.action_id, nav.elements[0]!.value, {
      ts: summary.args.ts,
      channel: "C1",
    });
    const page2 = await fake.waitFor(() =>
      fake.callsOf("chat.update").find((c) => JSON.stringify(c.args.blocks ?? "").includes("Page 2 of")),
    );
    expect(page2.args.ts).toBe(summary.args.ts);
  });

  it("/gong audit --activity: a bad rule gets the usage; hosted runs the old rule and says so", async () => {
    const bad = await reply((await gong(ADMIN, "audit --activity some")).id);
    expect(bad.text).toMatch(/--activity is any or hosted/);
    const before = ctx.repos.audits.latest("succeeded")!.id;
    await gong(ADMIN, "audit 30 --activity hosted");
    const done = await fake.waitFor(() => {
      const run = ctx.repos.audits.latest("succeeded");
      return run && run.id !== before ? run : undefined;
    });
    expect(done.activityRule).toBe("hosted");
    expect(done.lookbackDays).toBe(30);
    const summary = await fake.waitFor(() =>
      fake.callsOf("chat.update").find((c) => JSON.stringify(c.args.blocks ?? "").includes("rule: hosted")),
    );
    expect(JSON.stringify(summary.args.blocks)).toMatch(
      /No hosted call in the 30-day look-back, \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d \(UTC\)/,
    );
  });

  it("App Home shows the last sync and audit, and the admin's commands", async () => {
    const body = appHomeOpened(ADMIN);
    const before = fake.callsOf("views.publish").length;
    const res = await postSigned(events, SECRET, body, "application/json");
    expect(res.status).toBe(200);
    const publish = await fake.waitFor(() =>
      fake
        .callsOf("views.publish")
        .slice(before)
        .find((c) => c.args.user_id === ADMIN),
    );
    const view = typeof publish.args.view === "string" ? JSON.parse(publish.args.view) : publish.args.view;
    const text = JSON.stringify(view.blocks);
    expect(view.type).toBe("home");
    expect(text).toMatch(/Synced/);
    expect(text, text).toMatch(/active users hosted no call/);
    expect(text).toContain("/gong audit");
  });

  it("serves a health endpoint", async () => {
    const res = await fetch(events.replace("/slack/events", "/health"));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, mode: "http" });
  });
});

describe("when things go wrong", () => {
  it("a Gong outage gets a plain explanation, never a stack trace", async () => {
    sim.addFault({ fault: { kind: "status", status: 503 }, endpoint: "GET /v2/users/{id}", times: 100 });
    try {
      // A member who has live lookups left (MEMBER spent theirs in the tests above).
      const r = await reply((await gong("UMEMBER2", "user 5550000000000000099")).id);
      expect(r.text).toMatch(/Gong isn't answering right now/);
      expect(r.text).not.toMatch(/at .*\.ts:\d+/);
    } finally {
      sim.clearFaults();
    }
  });

  it("an audit asked for where the bot cannot post says how to fix it", async () => {
    fake.closedChannels.add("CPRIVATE");
    const id = `r${++seq}`;
    const body = slashCommand({
      user: ADMIN,
      text: "audit",
      channel: "CPRIVATE",
      responseUrl: fake.responseUrl(id),
    });
    await postSigned(events, SECRET, body, "application/x-www-form-urlencoded");
    expect((await reply(id)).text).toMatch(/Invite @gongops to it/);
  });
});

describe("an audit that must pause", () => {
  it("says so in its message, with when it continues, and lists nobody", async () => {
    const quotaSim = await startSim({ org: SimOrg.generate({ users: 300, seed: 5 }) });
    const quotaFake = await FakeSlack.start();
    const quotaCtx = simContext(quotaSim, {
      SLACK_BOT_TOKEN: "xoxb-test-token",
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: `${quotaFake.url}/api`,
      GONGOPS_ADMIN_USER_IDS: ADMIN,
      // Two syncs of three pages (one before, one for the audit) and the company's time zone fit; the
      // audit's first activity request does not.
      GONG_DAILY_QUOTA: "7",
    });
    const app = createSlackApp(quotaCtx, { port: 0, updateEveryMs: 10 });
    try {
      await quotaCtx.directory.sync!.run();
      const { port } = await app.start();
      const body = slashCommand({ user: ADMIN, text: "audit", responseUrl: quotaFake.responseUrl("q") });
      await postSigned(
        `http://127.0.0.1:${port}/slack/events`,
        SECRET,
        body,
        "application/x-www-form-urlencoded",
      );
      const paused = await quotaFake.waitFor(() =>
        quotaFake.callsOf("chat.update").find((c) => JSON.stringify(c.args.blocks ?? "").includes("paused")),
      );
      const text = JSON.stringify(paused.args.blocks);
      expect(text).toMatch(/daily Gong request budget is spent/);
      expect(text).toMatch(/continues on its own at \d{4}-\d{2}-\d{2} 00:00 UTC/);
      expect(text).not.toMatch(/Inactive-user audit:/);
      expect(quotaFake.callsOf("files.completeUploadExternal")).toEqual([]);
      // The resume waits in the job queue (it survives a restart), due just after Gong's quota resets.
      const run = quotaCtx.repos.audits.latest()!;
      const jobs = await quotaFake.waitFor(() => {
        const queued = quotaCtx.repos.jobs.list().filter((j) => j.kind === "slack-audit-resume");
        return queued.length > 0 && queued;
      });
      expect(jobs).toHaveLength(1);
      expect(jobs[0]).toMatchObject({
        status: "queued",
        payload: expect.objectContaining({ runId: run.id }),
      });
      expect(new Date(jobs[0]!.runAt).getTime()).toBe(Date.parse(run.resumeAt!) + 30_000);
    } finally {
      await app.stop();
      await quotaCtx.close();
      await quotaFake.close();
      await quotaSim.close();
    }
  });
});

describe("restarts", () => {
  it("an audit interrupted by a restart picks up where it stopped, in the same message", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gongops-slack-restart-"));
    const restartSim = await startSim({ org: SimOrg.generate({ users: 800, seed: 6 }), latencyMs: 40 });
    const restartFake = await FakeSlack.start();
    const env = {
      SLACK_BOT_TOKEN: "xoxb-test-token",
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: `${restartFake.url}/api`,
      GONGOPS_ADMIN_USER_IDS: ADMIN,
      GONGOPS_DB_PATH: join(dir, "g.db"),
      GONG_MAX_RPS: "10",
    };
    try {
      const first = simContext(restartSim, env);
      await first.directory.sync!.run();
      const app1 = createSlackApp(first, { port: 0, updateEveryMs: 10 });
      const { port } = await app1.start();
      const body = slashCommand({ user: ADMIN, text: "audit", responseUrl: restartFake.responseUrl("a") });
      await postSigned(
        `http://127.0.0.1:${port}/slack/events`,
        SECRET,
        body,
        "application/x-www-form-urlencoded",
      );
      await restartFake.waitFor(() => (first.repos.audits.latest()?.requestsUsed ?? 0) >= 2);
      await app1.stop();
      await first.close();
      const stopped = restartFake.callsOf("chat.update").at(-1)!;
      expect(JSON.stringify(stopped.args.blocks)).toMatch(/paused.*restarting/);

      const second = simContext(restartSim, env);
      const app2 = createSlackApp(second, { port: 0, updateEveryMs: 10 });
      await app2.start();
      try {
        const summary = await restartFake.waitFor(
          () =>
            restartFake
              .callsOf("chat.update")
              .find((c) => JSON.stringify(c.args.blocks ?? "").includes("Inactive-user audit:")),
          20_000,
        );
        expect(summary.args.ts).toBe(stopped.args.ts);
        expect(second.repos.audits.history(5).filter((r) => r.status === "succeeded")).toHaveLength(1);
      } finally {
        await app2.stop();
        await second.close();
      }
    } finally {
      await restartFake.close();
      await restartSim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
