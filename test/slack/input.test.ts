import { describe, expect, it } from "vitest";
import { checkSlackRequest } from "../../src/slack/guard.js";
import { decodeSlackText, parseOptions, splitArgs } from "../../src/slack/input.js";
import { LiveLookupBudget } from "../../src/slack/liveBudget.js";
import { slackHeaders } from "../helpers/fakeSlack.js";

describe("decodeSlackText", () => {
  it("turns Slack's escaped forms back into what was typed", () => {
    expect(decodeSlackText("user <mailto:jane@acme.com|jane@acme.com>")).toBe("user jane@acme.com");
    expect(decodeSlackText("user AT&amp;T &lt;sales&gt;")).toBe("user AT&T <sales>");
    expect(decodeSlackText("chain <@U123ABC|jane>")).toBe("chain <@U123ABC>");
    expect(decodeSlackText("schedule <#C42|revops>")).toBe("schedule <#C42>");
    expect(decodeSlackText("user <https://acme.com|acme.com>")).toBe("user acme.com");
    expect(decodeSlackText("user <https://acme.com>")).toBe("user https://acme.com");
    expect(decodeSlackText("ping <!subteam^S1|@admins>")).toBe("ping @admins");
  });

  it("a typed < cannot pose as a mention: Slack sends it escaped, and it stays text", () => {
    expect(decodeSlackText("user &lt;@UFAKE&gt;")).toBe("user <@UFAKE>");
    expect(decodeSlackText("&amp;lt;")).toBe("&lt;");
  });
});

describe("splitArgs and parseOptions", () => {
  it("quotes with straight or curly quotes; an apostrophe inside a word is a letter", () => {
    expect(splitArgs('add "title:Vice President*" --reason “board member”')).toEqual([
      "add",
      "title:Vice President*",
      "--reason",
      "board member",
    ]);
    expect(splitArgs("user O'Brien")).toEqual(["user", "O'Brien"]);
    expect(() => splitArgs('add "title:VP')).toThrow(/not closed/);
  });

  it("reads --name value, --name=value and flags, and refuses what it does not know", () => {
    const spec = { reason: "string", force: "boolean" } as const;
    expect(parseOptions(["add", "x", "--reason=why", "--force"], spec)).toEqual({
      positionals: ["add", "x"],
      options: { reason: "why", force: true },
    });
    expect(() => parseOptions(["--frobnicate"], spec)).toThrow(/unknown option --frobnicate/);
    expect(() => parseOptions(["--reason"], spec)).toThrow(/needs a value/);
    expect(() => parseOptions(["--force=yes"], spec)).toThrow(/takes no value/);
  });
});

describe("checkSlackRequest", () => {
  const secret = "s3cret";
  const now = Date.parse("2026-11-27T12:00:00Z");
  const at = Math.floor(now / 1000);
  const check = (body: string, contentType: string, ts = at, key = secret) =>
    checkSlackRequest({
      headers: slackHeaders(key, body, contentType, ts),
      rawBody: Buffer.from(body),
      signingSecret: secret,
      nowMs: now,
    });

  it("takes a signed, fresh request whose body is an object", () => {
    expect(check("token=x&text=help", "application/x-www-form-urlencoded")).toEqual({
      ok: true,
      body: { token: "x", text: "help" },
    });
    expect(check('{"type":"event_callback"}', "application/json")).toEqual({
      ok: true,
      body: { type: "event_callback" },
    });
    const payload = encodeURIComponent('{"type":"block_actions"}');
    expect(check(`payload=${payload}`, "application/x-www-form-urlencoded")).toEqual({
      ok: true,
      body: { type: "block_actions" },
    });
  });

  it("takes Slack's unsigned SSL check, and nothing smuggled beside it", () => {
    expect(
      checkSlackRequest({
        headers: { "content-type": "application/x-www-form-urlencoded" },
        rawBody: Buffer.from("ssl_check=1&command=%2Fgong&text=audit"),
        signingSecret: secret,
        nowMs: now,
      }),
    ).toEqual({ ok: true, body: { ssl_check: "1" } });
  });

  it("refuses a timestamp five minutes away in either direction, and a bad signature", () => {
    expect(check("a=1", "application/x-www-form-urlencoded", at + 301)).toMatchObject({ status: 401 });
    expect(check("a=1", "application/x-www-form-urlencoded", at - 301)).toMatchObject({ status: 401 });
    expect(check("a=1", "application/x-www-form-urlencoded", at, "other")).toMatchObject({ status: 401 });
  });

  it("answers 400 to a signed body that is not an object", () => {
    expect(check("payload=null", "application/x-www-form-urlencoded")).toMatchObject({ status: 400 });
    expect(check("payload=%5B%5D", "application/x-www-form-urlencoded")).toMatchObject({ status: 400 });
    expect(check("null", "application/json")).toMatchObject({ status: 400 });
    expect(check("{", "application/json")).toMatchObject({ status: 400 });
  });
});

describe("LiveLookupBudget", () => {
  it("gives each member a few live lookups per window, then none until it passes", () => {
    let now = 0;
    const budget = new LiveLookupBudget(2, 60_000, { now: () => now });
    expect([budget.take("U1"), budget.take("U1"), budget.take("U1")]).toEqual([true, true, false]);
    expect(budget.take("U2")).toBe(true);
    now += 60_001;
    expect(budget.take("U1")).toBe(true);
  });
});
