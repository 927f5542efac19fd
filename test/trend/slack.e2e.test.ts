import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GongContext } from "../../src/context.js";
import { SimOrg } from "../../src/sim/org.js";
import { appHomeOpened, type FakeSlack, postSigned, slashCommand } from "../helpers/fakeSlack.js";
import { type SlackRig, startSlackRig } from "../helpers/slackRig.js";

/**
 * The chart in Slack, against the strict fake Slack: uploaded in each digest's thread (the fake keeps
 * the bytes), shown on App Home as an image of that file (slack_file), left out of App Home when the
 * file is gone, and never a reason for a digest to fail when the channel refuses the upload.
 */
const SECRET = "test-signing-secret-trend";
const ADMIN = "UADMIN1";
let rig: SlackRig;
let fake: FakeSlack;
let ctx: GongContext & { lines: string[] };
let events = "";
let seq = 0;

beforeAll(async () => {
  rig = await startSlackRig({
    org: SimOrg.generate({ users: 120, seed: 47 }),
    secret: SECRET,
    admin: ADMIN,
    env: { GONGOPS_SEAT_PRICE_PER_YEAR: "1500", GONGOPS_AUDIT_ACTIVITY: "hosted" },
  });
  ({ fake, ctx, events } = rig);
});
afterAll(async () => rig?.stop());

async function gong(text: string, channel = "C1") {
  const id = `t${++seq}`;
  await postSigned(
    events,
    SECRET,
    slashCommand({ user: ADMIN, text, channel, responseUrl: fake.responseUrl(id) }),
    "application/x-www-form-urlencoded",
  );
  return fake.waitFor(() => fake.repliesTo(id)[0]);
}

type Published = { ok: boolean; blocks: any[] };

/**
 * Opens App Home as the admin; resolves with what was published to them since, once one publish
 * `done` says so (by default the first that Slack took).
 */
async function openHome(done: (p: Published) => boolean = (p) => p.ok): Promise<Published[]> {
  const before = fake.callsOf("views.publish").length;
  const since = (): Published[] =>
    fake
      .callsOf("views.publish")
      .slice(before)
      .filter((c) => c.args.user_id === ADMIN)
      .map((c) => {
        const view = typeof c.args.view === "string" ? JSON.parse(c.args.view) : c.args.view;
        return { ok: c.result.ok, blocks: view.blocks };
      });
  const body = appHomeOpened(ADMIN, `Ev${++seq}`);
  await postSigned(events, SECRET, body, "application/json");
  await fake.waitFor(() => since().find(done));
  return since();
}

const jobOf = (scheduleId: number) =>
  ctx.repos.jobs
    .list({ statuses: ["succeeded", "retrying", "queued", "running", "dead"] })
    .find(
      (j) => j.kind === "schedule-run" && (j.payload as { scheduleId: number }).scheduleId === scheduleId,
    );

describe("the trend chart in Slack", () => {
  let fileId = "";

  it("is uploaded as a PNG in the digest's thread, its alt text carrying the numbers", async () => {
    await gong('schedule add "0 9 * * MON" digest <#C777|finance> --days 30');
    await gong("schedule run 1");
    const file = await fake.waitFor(
      () =>
        [...fake.files.values()].find(
          (f) => f.completed && f.channel === "C777" && f.filename.endsWith(".png"),
        ),
      60_000,
    );
    const digest = fake.callsOf("chat.postMessage").find((c) => c.args.channel === "C777" && c.result.ok)!;
    expect(file.threadTs).toBe(digest.result.ts);
    // The bytes Slack got are the chart: a PNG that decodes at 1600 × 800.
    const image = PNG.sync.read(fake.uploads.get(file.id)!);
    expect([image.width, image.height]).toEqual([1600, 800]);
    expect(file.bytes!.length).toBe(file.length);
    const point = ctx.repos.trend.latest()!;
    expect(file.altText).toContain(`on ${point.day}: ${point.inactive} of ${point.activeUsers} active users`);
    expect(file.altText).toContain(`yearly cost $${(point.inactive * 1500).toLocaleString("en-US")}`);
    expect(file.initialComment).toMatch(/Reclaimed so far: none yet/);
    fileId = file.id;
    // Kept once Slack's answer is back: App Home shows the newest.
    const kept = await fake.waitFor(() => ctx.trend.latestChart(), 30_000);
    expect(kept).toMatchObject({ fileId, channel: "C777", threadTs: digest.result.ts });
    await fake.waitFor(() => jobOf(1)?.status === "succeeded", 30_000);
  }, 90_000);

  it("App Home shows that file as an image (slack_file), with the reclaimed total", async () => {
    const [home] = await openHome();
    expect(home!.ok).toBe(true);
    const image = home!.blocks.find((b) => b.type === "image");
    expect(image).toMatchObject({ type: "image", slack_file: { id: fileId } });
    expect(image.alt_text).toMatch(/^Chart of inactive Gong seats/);
    expect(JSON.stringify(home!.blocks)).toContain("Reclaimed so far: *none yet*");
  });

  it("a file Slack no longer has is left out of App Home instead of losing the whole view", async () => {
    fake.files.delete(fileId);
    const hasImage = (p: Published) => p.blocks.some((b) => b.type === "image");
    // Another refresh of the admin's Home (a job that just ended) may race this one: what holds is that
    // Slack refused the view with the image, and then took one without it.
    const homes = await openHome((p) => p.ok && !hasImage(p));
    const refused = homes.findIndex((h) => !h.ok);
    expect(refused).toBeGreaterThanOrEqual(0);
    expect(hasImage(homes[refused]!)).toBe(true);
    const taken = homes.slice(refused).find((h) => h.ok)!;
    expect(hasImage(taken)).toBe(false);
    expect(JSON.stringify(taken.blocks)).toContain("Reclaimed so far");
    // Once refused, that file is not tried again: the next Home is taken at once, without it.
    const again = await openHome();
    expect(again.map((h) => h.ok && !hasImage(h))).not.toContain(false);
    expect(ctx.lines.some((l) => l.includes("App Home refused the trend chart's image"))).toBe(true);
  });

  it("a channel that refuses the upload still gets its digest: the chart is only logged as missing", async () => {
    // The bot may post there (chat:write.public) but not join it, so files cannot be shared in it.
    fake.joinRefused.add("C888");
    await gong('schedule add "0 9 * * MON" digest <#C888|finance-2> --days 30');
    await gong("schedule run 2");
    await fake.waitFor(() => jobOf(2)?.status === "succeeded", 60_000);
    expect(fake.callsOf("chat.postMessage").some((c) => c.args.channel === "C888" && c.result.ok)).toBe(true);
    const refused = fake
      .callsOf("files.completeUploadExternal")
      .filter((c) => c.args.channel_id === "C888")
      .map((c) => c.result.error);
    expect(refused).toContain("not_in_channel");
    expect([...fake.files.values()].filter((f) => f.completed && f.channel === "C888")).toEqual([]);
    expect(ctx.lines.some((l) => l.includes("could not upload the trend chart with the digest"))).toBe(true);
    expect(ctx.trend.latestChart()!.fileId).toBe(fileId);
    expect(ctx.repos.schedules.get(2)!.lastResult).toMatch(/^ok: /);
  }, 90_000);
});
