import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GongContext } from "../../src/context.js";
import { SimOrg } from "../../src/sim/org.js";
import type { GongSim } from "../../src/sim/server.js";
import { ACTIONS } from "../../src/slack/ids.js";
import { type FakeSlack, postSigned, slashCommand } from "../helpers/fakeSlack.js";
import { type SlackRig, startSlackRig } from "../helpers/slackRig.js";

/**
 * Schedules through the Slack app against the strict fake Slack: /gong schedule, a digest posted once
 * through a 429, and a channel that refuses the bot (schedule failing, its creator and App Home told).
 */
const SECRET = "test-signing-secret-schedules";
const ADMIN = "UADMIN1";

let rig: SlackRig;
let sim: GongSim;
let fake: FakeSlack;
let ctx: GongContext & { lines: string[] };
let events = "";
let seq = 0;

beforeAll(async () => {
  rig = await startSlackRig({
    org: SimOrg.generate({ users: 120, seed: 43 }),
    secret: SECRET,
    admin: ADMIN,
    env: { GONGOPS_SEAT_PRICE_PER_YEAR: "1000" },
  });
  ({ sim, fake, ctx, events } = rig);
});
afterAll(async () => rig?.stop());

async function gong(user: string, text: string, channel = "C1") {
  const id = `r${++seq}`;
  await postSigned(
    events,
    SECRET,
    slashCommand({ user, text, channel, responseUrl: fake.responseUrl(id) }),
    "application/x-www-form-urlencoded",
  );
  return fake.waitFor(() => fake.repliesTo(id)[0]);
}
const posts = (channel: string) => fake.callsOf("chat.postMessage").filter((c) => c.args.channel === channel);
const runJobs = () =>
  ctx.repos.jobs
    .list({ statuses: ["succeeded", "retrying", "queued", "running", "dead"] })
    .filter((j) => j.kind === "schedule-run");

describe("/gong schedule", () => {
  it("adds (as Slack sends it), lists with the next run in its zone, and refuses a bad cron with an example", async () => {
    const added = await gong(
      ADMIN,
      "schedule add “0 9 * * MON” audit-digest <#C123|revops> --days 30 --tz Europe/Berlin",
    );
    expect(added.text).toBe("Schedule 1 added");
    expect(JSON.stringify(added.blocks)).toMatch(
      /audit digest 30 days in <#C123>, `0 9 \* \* MON` Europe\/Berlin\. Next run: Mon .* 09:00 CES?T/,
    );
    const list = await gong(ADMIN, "schedule list");
    expect(JSON.stringify(list.blocks)).toMatch(
      /\*1\* · audit digest 30 days · `0 9 \* \* MON` Europe\/Berlin · <#C123>\\n {4}next: Mon .* 09:00 CES?T · last: not run yet/,
    );
    const bad = await gong(ADMIN, 'schedule add "0 9 * * FUNDAY" digest');
    expect(bad.text).toMatch(
      /is not a valid cron .*For example "0 9 \* \* MON" in Europe\/Berlin \(Mondays at 09:00\) runs next at .*, .*, .*\./,
    );
    const member = await gong("UMEMBER", "schedule list");
    expect(member.text).toMatch(/Only gongops admins can run `\/gong schedule`/);
  });

  it("posts the digest once when Slack answers 429 with Retry-After: the job waits without spending an attempt", async () => {
    fake.rateLimits.push({ method: "chat.postMessage", match: (a) => a.channel === "C123", times: 1 });
    const r = await gong(ADMIN, "schedule run 1");
    expect(r.text).toBe("Schedule 1 runs now.");
    const ok = await fake.waitFor(() => posts("C123").find((c) => c.result?.ok), 15_000);
    // Posted once the job has recorded it (after the CSV and the trend chart).
    await fake.waitFor(() => ctx.repos.schedules.previousDigest(1)?.postedTs, 15_000);
    expect(posts("C123").map((c) => (c.result.ok ? true : c.result.error))).toEqual(["ratelimited", true]);
    const blocks = JSON.stringify(ok.args.blocks);
    const digest = ctx.repos.schedules.previousDigest(1)!;
    const inactive = digest.snapshot.inactiveIds.length;
    const active = sim.org.users().filter((u) => u.active).length;
    expect(blocks).toContain(
      `${inactive} of ${active} active Gong users showed no Gong activity in 30 days — $${(inactive * 1000).toLocaleString("en-US")} a year in seats`,
    );
    // For admins, the way to a deactivation request for these users (the audit's request modal).
    expect(blocks).toContain(`"action_id":"${ACTIONS.requestFromAudit}"`);
    expect(blocks).toContain(`"value":"${ctx.repos.audits.latest("succeeded")!.id}"`);
    expect(digest.postedTs).toBe(ok.result.ts);
    const job = runJobs().find((j) => (j.payload as { scheduleId: number }).scheduleId === 1)!;
    expect(job).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(ctx.lines.some((l) => l.includes("job waits without spending an attempt"))).toBe(true);
    // The CSV in the thread, then the message says so.
    await fake.waitFor(() => fake.callsOf("chat.update").find((c) => c.args.ts === ok.result.ts));
    expect(fake.callsOf("files.completeUploadExternal").some((c) => c.args.channel_id === "C123")).toBe(true);
    expect(ctx.repos.schedules.get(1)!.lastResult).toMatch(/^ok: \d+ of \d+ inactive$/);
  });

  it("a channel that refuses the bot marks the schedule failing, DMs its creator, shows on App Home, and stops", async () => {
    fake.closedChannels.add("CCLOSED");
    await gong(ADMIN, 'schedule add "0 9 * * MON" digest <#CCLOSED|finance> --days 30');
    await gong(ADMIN, "schedule run 2");
    const dm = await fake.waitFor(
      () =>
        fake
          .callsOf("chat.postMessage")
          .find((c) => c.args.channel === "DADMIN1" && /Schedule 2/.test(c.args.text)),
      15_000,
    );
    expect(dm.args.text).toMatch(
      /Schedule 2 \(audit-digest\) is failing: cannot post in CCLOSED \(not_in_channel\)/,
    );
    const s = ctx.repos.schedules.get(2)!;
    expect(s.failing).toBe("cannot post in CCLOSED (not_in_channel)");
    expect(s.lastResult).toMatch(/^failed: /);
    const home = await fake.waitFor(() =>
      fake
        .callsOf("views.publish")
        .find((c) => c.args.user_id === ADMIN && JSON.stringify(c.args.view).includes("Schedules failing")),
    );
    expect(JSON.stringify(home.args.view)).toContain(
      "Schedule 2 (audit-digest): cannot post in CCLOSED (not_in_channel)",
    );
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(posts("CCLOSED")).toHaveLength(1);
    const job = runJobs().find((j) => (j.payload as { scheduleId: number }).scheduleId === 2)!;
    expect(job).toMatchObject({ status: "succeeded", attempts: 1 });
    const list = await gong(ADMIN, "schedule list");
    expect(JSON.stringify(list.blocks)).toContain(
      ":warning: FAILING: cannot post in CCLOSED (not_in_channel)",
    );
  });
  it("a channel the bot cannot post in is found out before the audit: no audit runs, no Gong request spent", async () => {
    fake.privateChannels.add("CSECRET");
    const audits = ctx.repos.audits.history(1000).length;
    const added = await gong(ADMIN, 'schedule add "0 9 * * MON" digest <#CSECRET|board> --days 30');
    const id = Number(/Schedule (\d+)/.exec(added.text)![1]);
    const before = sim.stats.requests;
    await gong(ADMIN, `schedule run ${id}`);
    await fake.waitFor(() => (ctx.repos.schedules.get(id)!.failing ? true : undefined), 15_000);
    expect(ctx.repos.schedules.get(id)!.failing).toBe("cannot post in CSECRET (channel_not_found)");
    expect(ctx.repos.audits.history(1000)).toHaveLength(audits);
    expect(sim.stats.requests).toBe(before);
  });
});
