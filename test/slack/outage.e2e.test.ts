import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTIONS } from "../../src/slack/ids.js";
import { scheduleClient } from "../../src/slack/scheduleOutput.js";
import { buttonClick, postSigned } from "../helpers/fakeSlack.js";
import { knownOrg } from "../helpers/org.js";
import { type SlackRig, startSlackRig } from "../helpers/slackRig.js";

/** The Slack face when Slack itself misbehaves for a while: it never answers, or it fails a check. */
const SECRET = "outage-signing-secret-0123456789";
const ADMIN = "UADMIN1";
let rig: SlackRig;

beforeAll(async () => {
  rig = await startSlackRig({
    org: knownOrg(),
    secret: SECRET,
    admin: ADMIN,
    env: { SLACK_TIMEOUT_MS: "1500" },
  });
});
afterAll(async () => rig?.stop());

/** How a Web API call ends, and after how long. */
async function outcome(call: Promise<unknown>): Promise<{ ok: boolean; ms: number }> {
  const at = Date.now();
  const ok = await call.then(
    () => true,
    () => false,
  );
  return { ok, ms: Date.now() - at };
}

describe("a Slack that takes the request and never answers", () => {
  it("the app's client and the schedules' client give up within their timeout and bounded retries", async () => {
    rig.fake.delays.set("chat.postMessage", 60_000);
    try {
      const [app, schedules] = await Promise.all([
        outcome(rig.slack.app.client.chat.postMessage({ channel: "C1", text: "hello" })),
        outcome(scheduleClient(rig.ctx.config).chat.postMessage({ channel: "C1", text: "hello" })),
      ]);
      // Three tries of 1.5 s with 1 to 5 s between them, far from the 60 s Slack would take (and from
      // the client's default: ten retries over about 30 minutes).
      expect(app.ok).toBe(false);
      expect(app.ms).toBeLessThan(25_000);
      expect(schedules.ok).toBe(false);
      expect(schedules.ms).toBeLessThan(10_000);
    } finally {
      rig.fake.delays.clear();
    }
  }, 60_000);
});

describe("the workspace check of a button", () => {
  it("a check that failed (Slack refused auth.test for a moment) is asked again on the next click", async () => {
    const click = async (id: string) => {
      const body = buttonClick({
        user: "U999",
        actionId: ACTIONS.approve,
        value: "424242",
        responseUrl: rig.fake.responseUrl(id),
      });
      await postSigned(rig.events, SECRET, body, "application/x-www-form-urlencoded");
      return (await rig.fake.waitFor(() => rig.fake.repliesTo(id)[0], 15_000)).text as string;
    };
    rig.fake.refusedTokens.push("xoxb-test-token");
    let first: string;
    try {
      first = await click("ws1");
    } finally {
      rig.fake.refusedTokens.pop();
    }
    expect(first).toMatch(/:warning:/);
    // Slack answers again: the click gets past the workspace check to the decision itself.
    const second = await click("ws2");
    expect(second).not.toMatch(/:warning:|another workspace/);
  }, 40_000);
});
