import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { knownOrg } from "../helpers/org.js";
import { type SlackRig, startSlackRig } from "../helpers/slackRig.js";

/**
 * GONGOPS_METRICS_ADDR: /ready and /metrics on an address of their own, off the port that faces Slack
 * (HTTP mode's /slack/events, which a proxy exposes to the world). /health stays on both.
 */
let rig: SlackRig;

beforeAll(async () => {
  rig = await startSlackRig({
    org: knownOrg(),
    secret: "ops-address-signing-secret-0123",
    admin: "UADMIN1",
    env: { GONGOPS_METRICS_ADDR: "127.0.0.1:0" },
  });
});
afterAll(async () => rig?.stop());

describe("GONGOPS_METRICS_ADDR", () => {
  it("serves /ready and /metrics there and no longer beside /slack/events; /health on both", async () => {
    const line = rig.ctx.lines.map((l) => JSON.parse(l)).find((l) => l.msg === "serving /ready and /metrics");
    expect(line).toMatchObject({ host: "127.0.0.1" });
    const ops = `http://127.0.0.1:${line.port}`;
    const slack = rig.events.replace("/slack/events", "");
    expect(slack).not.toBe(ops);
    expect((await fetch(`${ops}/ready`)).status).toBe(200);
    expect(await (await fetch(`${ops}/metrics`)).text()).toMatch(/gongops_jobs/);
    expect((await fetch(`${ops}/health`)).status).toBe(200);
    expect((await fetch(`${slack}/health`)).status).toBe(200);
    for (const path of ["/ready", "/metrics"]) expect((await fetch(`${slack}${path}`)).status).toBe(404);
  });
});
