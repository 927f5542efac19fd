import { randomBytes } from "node:crypto";
import { webApi } from "@slack/bolt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeSlack } from "../helpers/fakeSlack.js";

/**
 * The fake Slack is as strict as Slack for uploads, through @slack/web-api's own filesUploadV2
 * (getUploadURLExternal, the bytes to the upload URL, completeUploadExternal): it keeps the bytes exactly,
 * refuses a channel the bot is not in, blocks past Block Kit's limits, and an image of a file it does not
 * have or that is not an image.
 */
let fake: FakeSlack;
let client: webApi.WebClient;
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

beforeAll(async () => {
  fake = await FakeSlack.start();
  client = new webApi.WebClient("xoxb-test", {
    slackApiUrl: `${fake.url}/api/`,
    retryConfig: { retries: 0 },
  });
  fake.members.add("CIN");
});
afterAll(async () => fake.close());

const error = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: { data?: { error?: string } }) => e.data?.error,
  );

describe("the fake Slack's uploads", () => {
  it("keeps the bytes exactly, binary included, with the alt text and the thread", async () => {
    const bytes = Buffer.concat([PNG_MAGIC, randomBytes(5000), Buffer.from("\r\n--\r\n\0")]);
    const ts = (await client.chat.postMessage({ channel: "CIN", text: "digest" })).ts!;
    await client.filesUploadV2({
      channel_id: "CIN",
      thread_ts: ts,
      file: bytes,
      filename: "chart.png",
      alt_text: "7 inactive seats",
      initial_comment: "the chart",
    });
    const file = [...fake.files.values()].at(-1)!;
    expect(fake.uploads.get(file.id)!.equals(bytes)).toBe(true);
    expect(file).toMatchObject({
      completed: true,
      channel: "CIN",
      threadTs: ts,
      altText: "7 inactive seats",
      length: bytes.length,
    });
  });

  it("refuses a channel the bot is not in", async () => {
    expect(
      await error(client.filesUploadV2({ channel_id: "COUT", file: PNG_MAGIC, filename: "a.png" })),
    ).toBe("not_in_channel");
  });

  it("refuses blocks past Block Kit's limits, and images of files it does not have or that are not images", async () => {
    const section = { type: "section", text: { type: "mrkdwn", text: "x" } };
    const tooMany = Array.from({ length: 51 }, () => section);
    expect(
      await error(
        client.filesUploadV2({
          channel_id: "CIN",
          file: PNG_MAGIC,
          filename: "a.png",
          blocks: tooMany as never,
        }),
      ),
    ).toBe("invalid_blocks");
    const image = (id: string) => [{ type: "image", slack_file: { id }, alt_text: "chart" }];
    expect(
      await error(client.chat.postMessage({ channel: "CIN", text: "x", blocks: image("FNOPE") as never })),
    ).toBe("invalid_blocks");
    await client.filesUploadV2({ channel_id: "CIN", file: Buffer.from("id,name\r\n"), filename: "list.csv" });
    const csv = [...fake.files.values()].at(-1)!;
    expect(
      await error(client.chat.postMessage({ channel: "CIN", text: "x", blocks: image(csv.id) as never })),
    ).toBe("invalid_blocks");
    const png = [...fake.files.values()].find((f) => f.filename === "chart.png")!;
    expect(
      await error(client.chat.postMessage({ channel: "CIN", text: "x", blocks: image(png.id) as never })),
    ).toBe("ok");
    const noAlt = [{ type: "image", slack_file: { id: png.id } }];
    expect(await error(client.chat.postMessage({ channel: "CIN", text: "x", blocks: noAlt as never }))).toBe(
      "invalid_blocks",
    );
    const both = [
      { type: "image", slack_file: { id: png.id }, image_url: "https://x.example/a.png", alt_text: "a" },
    ];
    expect(await error(client.chat.postMessage({ channel: "CIN", text: "x", blocks: both as never }))).toBe(
      "invalid_blocks",
    );
  });
});
