import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GongContext } from "../../src/context.js";
import { SimOrg } from "../../src/sim/org.js";
import type { GongSim } from "../../src/sim/server.js";
import { ACTIONS } from "../../src/slack/ids.js";
import { buttonClick, type FakeSlack, postSigned, slackHeaders, slashCommand } from "../helpers/fakeSlack.js";
import { type SlackRig, startSlackRig } from "../helpers/slackRig.js";

/**
 * The Slack face when Slack or its users do what they do: escaped input, channels the bot is not in,
 * 429s on the last update, forged or malformed requests, buttons that do not belong to their message.
 */
const SECRET = "test-signing-secret-faults";
const ADMIN = "UADMIN1";

let rig: SlackRig;
let sim: GongSim;
let fake: FakeSlack;
let ctx: GongContext & { lines: string[] };
let events = "";
let seq = 0;

beforeAll(async () => {
  rig = await startSlackRig({ org: SimOrg.generate({ users: 300, seed: 41 }), secret: SECRET, admin: ADMIN });
  ({ sim, fake, ctx, events } = rig);
});

afterAll(async () => rig?.stop());

async function gong(user: string, text: string, channel = "C1") {
  const id = `r${++seq}`;
  const body = slashCommand({ user, text, channel, responseUrl: fake.responseUrl(id) });
  await postSigned(events, SECRET, body, "application/x-www-form-urlencoded");
  return id;
}
const reply = (id: string) => fake.waitFor(() => fake.repliesTo(id)[0]);

/** Runs `/gong audit` in `channel` and waits for the summary. */
async function auditIn(channel: string) {
  const before = fake.callsOf("chat.postMessage").length;
  await gong(ADMIN, "audit 90", channel);
  const post = await fake.waitFor(() => fake.callsOf("chat.postMessage")[before]);
  const summary = await fake.waitFor(
    () =>
      fake
        .callsOf("chat.update")
        .find(
          (c) => c.args.ts === post.result.ts && JSON.stringify(c.args.blocks ?? "").includes("Page 1 of"),
        ),
    15_000,
  );
  return { post, summary, text: JSON.stringify(summary.args.blocks) };
}

describe("what people type, as Slack sends it", () => {
  it("finds a user by a typed email, which Slack sends as <mailto:…|…>", async () => {
    const u = sim.org.users().find((x) => x.active)!;
    const r = await reply(await gong(ADMIN, `user <mailto:${u.emailAddress}|${u.emailAddress}>`));
    expect(JSON.stringify(r.blocks)).toContain(u.id);
  });

  it("takes a quoted title rule and --reason, stores exactly that and echoes it with its match count", async () => {
    const r = await reply(
      await gong(ADMIN, 'exempt add “title:Vice President*” --reason "board &amp; advisors"'),
    );
    expect(JSON.stringify(r.blocks)).toContain("Vice President*");
    expect(JSON.stringify(r.blocks)).toMatch(/board &amp; advisors/);
    expect(JSON.stringify(r.blocks)).toMatch(/matches \d+ of \d+ active users/);
    expect(ctx.repos.exemptions.list()).toContainEqual(
      expect.objectContaining({ kind: "title", value: "Vice President*", reason: "board & advisors" }),
    );
    // The old reading (rule "title:Vice", reason "President*") is refused, and nothing is stored.
    const bad = await reply(await gong(ADMIN, "exempt add title:Vice President*"));
    expect(bad.text).toMatch(/one rule at a time/);
    expect(ctx.repos.exemptions.list().some((r) => r.value === "Vice")).toBe(false);
    // A rule that would exempt everyone asks for --force.
    const all = await reply(await gong(ADMIN, "exempt add 'title:*'"));
    expect(all.text).toMatch(/would exempt \d+ of the \d+ active users.*--force/);
    expect(ctx.repos.exemptions.list().some((r) => r.value === "*")).toBe(false);
  });

  it("a member's lookups spend the company's Gong budget only within their live budget", async () => {
    const u = sim.org.users().find((x) => x.active)!;
    sim.stats.reset();
    const answers = [];
    for (let i = 0; i < 12; i++) answers.push(await reply(await gong("UMEMBERX", `user ${u.emailAddress}`)));
    // 10 live answers (each may ask Gong for the activity line), then the card without asking.
    expect(JSON.stringify(answers.at(-1)!.blocks)).toMatch(/activity: not checked/);
    expect(JSON.stringify(answers[0]!.blocks)).not.toMatch(/activity: not checked/);
    expect(sim.stats.requests).toBeLessThanOrEqual(10);
  });

  it("usage in an error is escaped once, not twice", async () => {
    const r = await reply(await gong(ADMIN, "reports someone --depth -1"));
    expect(r.text).toContain("&lt;who&gt;");
    expect(r.text).not.toContain("&amp;lt;");
  });

  it("refuses a 5,000-character lookup plainly", async () => {
    const r = await reply(await gong(ADMIN, `user ${"x".repeat(5000)}`));
    expect(r.text).toMatch(/too long/);
  });

  it("validates the audit's days before posting anything", async () => {
    const before = fake.callsOf("chat.postMessage").length;
    const r = await reply(await gong(ADMIN, "audit 99999"));
    expect(r.text).toMatch(/at most \d+ days/);
    expect(fake.callsOf("chat.postMessage").length).toBe(before);
  });
});

describe("the CSV and the last message", () => {
  it("joins a public channel before uploading, and only then says the CSV is attached", async () => {
    const { post, text } = await auditIn("CPUBLIC");
    expect(fake.callsOf("conversations.join").map((c) => c.args.channel)).toContain("CPUBLIC");
    const upload = fake.callsOf("files.completeUploadExternal").at(-1)!;
    expect(upload.args.channel_id).toBe("CPUBLIC");
    expect(upload.args.thread_ts).toBe(post.result.ts);
    expect(text).toMatch(/attached as CSV in the thread/);
  });

  it("sends the CSV to whoever asked when it cannot be attached in the channel, and says so", async () => {
    fake.joinRefused.add("CSHARED");
    const { text } = await auditIn("CSHARED");
    const uploads = fake.callsOf("files.completeUploadExternal").slice(-2);
    expect(uploads[0]!.result).toMatchObject({ ok: false, error: "not_in_channel" });
    expect(uploads[1]!.args.channel_id).toBe(`D${ADMIN.slice(1)}`);
    expect(text).toMatch(/sent to <@UADMIN1> as a CSV/);
    expect(text).not.toMatch(/attached as CSV in the thread/);
  });

  it("a 429 on the final update is retried once Slack allows it: the summary arrives", async () => {
    // Progress updates may be dropped; the final one may not. Three 429s in a row outlast the Web
    // client's own retries.
    const isSummary = (args: Record<string, any>) => JSON.stringify(args.blocks ?? "").includes("Page 1 of");
    fake.rateLimits.push({ method: "chat.update", match: isSummary, times: 3 });
    const id = await gong(ADMIN, "audit 90", "C429");
    const post = await fake.waitFor(() =>
      fake.callsOf("chat.postMessage").find((c) => c.args.channel === "C429"),
    );
    await fake.waitFor(
      () =>
        fake
          .callsOf("chat.update")
          .find((c) => c.args.ts === post.result.ts && c.result.ok && isSummary(c.args)),
      20_000,
    );
    const refused = fake.callsOf("chat.update").filter((c) => c.args.ts === post.result.ts && c.result.error);
    expect(refused.map((c) => c.result.error)).toEqual(["ratelimited", "ratelimited", "ratelimited"]);
    // Recorded once Slack took it (a moment after the fake answered).
    await fake.waitFor(() => ctx.repos.audits.postOf(ctx.repos.audits.latest()!.id)?.finalRendered);
    expect(fake.repliesTo(id)).toEqual([]);
  }, 30_000);
});

describe("requests that are not what they claim", () => {
  it("answers a signed payload=null or JSON null with 400, and keeps serving", async () => {
    const form = "payload=null";
    const a = await fetch(events, {
      method: "POST",
      headers: slackHeaders(SECRET, form, "application/x-www-form-urlencoded"),
      body: form,
    });
    expect(a.status).toBe(400);
    const b = await fetch(events, {
      method: "POST",
      headers: slackHeaders(SECRET, "null", "application/json"),
      body: "null",
    });
    expect(b.status).toBe(400);
    const health = await fetch(events.replace("/slack/events", "/health"));
    expect(health.status).toBe(200);
    const u = sim.org.users()[3]!;
    expect(JSON.stringify((await reply(await gong(ADMIN, `user ${u.id}`))).blocks)).toContain(u.id);
  });

  it("refuses a request timestamped in the future", async () => {
    const body = slashCommand({ user: ADMIN, text: "help", responseUrl: fake.responseUrl("future") });
    const at = Math.floor(Date.now() / 1000) + 400;
    const res = await fetch(events, {
      method: "POST",
      headers: slackHeaders(SECRET, body, "application/x-www-form-urlencoded", at),
      body,
    });
    expect(res.status).toBe(401);
  });

  it("acks a click on an unknown action at once", async () => {
    const body = buttonClick({
      user: ADMIN,
      actionId: "gong_retired_button",
      value: "x",
      responseUrl: fake.responseUrl("u"),
    });
    const started = Date.now();
    const res = await postSigned(events, SECRET, body, "application/x-www-form-urlencoded");
    expect(res.status).toBe(200);
    // Bolt's own fallback answers after 3 s; an ack is immediate.
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it("refuses an audit page button whose run is not the one its message reports", async () => {
    const run = ctx.repos.audits.latest("succeeded")!;
    const id = `p${++seq}`;
    const body = buttonClick({
      user: ADMIN,
      actionId: ACTIONS.auditPage,
      value: JSON.stringify({ runId: run.id, page: 1 }),
      responseUrl: fake.responseUrl(id),
      channel: "COTHER",
      ts: "1700000000.999999",
    });
    const updates = fake.callsOf("chat.update").length;
    await postSigned(events, SECRET, body, "application/x-www-form-urlencoded");
    expect((await reply(id)).text).toMatch(/does not belong to this message/);
    expect(fake.callsOf("chat.update").length).toBe(updates);
  });
});
