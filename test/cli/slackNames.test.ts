import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slackNamer } from "../../src/cli/slackNames.js";
import { loadConfig } from "../../src/config.js";
import { FakeSlack } from "../helpers/fakeSlack.js";

/** Slack ids in what people read at a terminal or in a CSV: names, never "<@U…>". */
let fake: FakeSlack;
beforeAll(async () => {
  fake = await FakeSlack.start();
  fake.emails.set("UANA1", "ana@acme.example");
});
afterAll(async () => fake?.close());

const config = (env: Record<string, string>) =>
  loadConfig({ GONGOPS_DB_PATH: ":memory:", GONG_BASE_URL: "http://127.0.0.1:1", ...env });

describe("Slack ids as names", () => {
  it("with the bot token: @name (id), each person asked once; someone Slack does not know keeps the id", async () => {
    const named = await slackNamer(
      config({ SLACK_BOT_TOKEN: "xoxb-names", SLACK_API_URL: `${fake.url}/api` }),
      ["approved by <@UANA1>", "kept by <@UANA1|ana>", "<@UGONE9> asked"],
    );
    expect(named("approved by <@UANA1>")).toBe("approved by @Person UANA1 (UANA1)");
    expect(named("kept by <@UANA1|ana>")).toBe("kept by @Person UANA1 (UANA1)");
    expect(named("<@UGONE9> asked")).toBe("Slack user UGONE9 asked");
    expect(fake.callsOf("users.info").filter((c) => c.args.user === "UANA1")).toHaveLength(1);
  });

  it("without a token: whose id it is, in words; text without a mention is left alone", async () => {
    const named = await slackNamer(config({}), ["by <@UANA1>"]);
    expect(named("by <@UANA1>")).toBe("by Slack user UANA1");
    expect(named("cli (ana@desk)")).toBe("cli (ana@desk)");
  });
});
