import { describe, expect, it } from "vitest";
import { ackAnswer, earlyAnswer } from "../../src/slack/earlyAck.js";

describe("earlyAnswer: what the front answers before the app sees a request", () => {
  it("answers Slack's SSL check and URL verification itself", () => {
    expect(earlyAnswer({ ssl_check: "1" })).toEqual({ kind: "answer", answer: { status: 200 } });
    expect(earlyAnswer({ type: "url_verification", challenge: "abc" })).toEqual({
      kind: "answer",
      answer: { status: 200, headers: { "content-type": "application/json" }, body: '{"challenge":"abc"}' },
    });
  });

  it("acks /gong with a subcommand (none is help) and any button click at once", () => {
    for (const text of ["user ana@acme.example", "  AUDIT 90", "", "requests"])
      expect(earlyAnswer({ command: "/gong", text })).toEqual({ kind: "ack" });
    expect(earlyAnswer({ type: "block_actions", actions: [] })).toEqual({ kind: "ack" });
  });

  it("leaves to the app what its ack may answer: an unknown subcommand, another command, a modal, an event", () => {
    for (const body of [
      { command: "/gong", text: "frobnicate" },
      { command: "/gong", text: "toString" },
      { command: "/other", text: "user ana" },
      { command: "/gong" },
      { type: "view_submission" },
      { type: "event_callback", event: { type: "function_executed" } },
    ])
      expect(earlyAnswer(body)).toEqual({ kind: "app" });
  });
});

describe("ackAnswer: an ack's HTTP answer, as Bolt's receiver builds it", () => {
  it("is empty, text, or JSON", () => {
    expect(ackAnswer(undefined)).toEqual({ status: 200 });
    expect(ackAnswer("")).toEqual({ status: 200 });
    expect(ackAnswer("ok")).toEqual({ status: 200, body: "ok" });
    expect(ackAnswer({ response_action: "errors", errors: { reason: "Say why" } })).toEqual({
      status: 200,
      headers: { "content-type": "application/json" },
      body: '{"response_action":"errors","errors":{"reason":"Say why"}}',
    });
  });
});
