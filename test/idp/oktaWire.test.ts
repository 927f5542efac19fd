import { MockAgent } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ApiDeprovisioner } from "../../src/approvals/deprovision.js";
import { type Clock, systemClock } from "../../src/clock.js";
import { loadConfig } from "../../src/config.js";
import { createIdpDeprovisioner } from "../../src/idp/index.js";
import { silentLogger } from "../../src/log.js";

/**
 * Okta's rate-limit headers on the wire (undici's MockAgent answers as Okta would), with the adapter made
 * as the app makes it (createIdpDeprovisioner) on the clock it is given, which records every wait: what
 * is waited, and for which calls.
 */
const ORG = "https://acme.okta.com";
const APP = "0oagong";

/** A clock that never sleeps for real: each wait is recorded and moves "now" on. */
function recordingClock(start: number): Clock & { sleeps: number[] } {
  let t = start;
  const sleeps: number[] = [];
  return {
    ...systemClock,
    sleeps,
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
  };
}

/** Okta's answer headers: its own Date, and the bucket's remaining calls and reset (epoch seconds). */
const oktaHeaders = (oktaNow: number, remaining: number, resetInS: number) => ({
  date: new Date(oktaNow).toUTCString(),
  "content-type": "application/json",
  "x-rate-limit-limit": "100",
  "x-rate-limit-remaining": String(remaining),
  "x-rate-limit-reset": String(Math.floor(oktaNow / 1000) + resetInS),
});
const app = { id: APP, status: "ACTIVE", features: ["PUSH_USER_DEACTIVATION"] };
const fay = { id: "00ufay", status: "ACTIVE", profile: { login: "fay@acme.example" } };

let agent: MockAgent;
let okta: (ApiDeprovisioner & { close(): Promise<void> }) | null;
afterEach(async () => {
  await okta?.close();
  await agent?.close();
});
beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
});

function adapter(clock: Clock): ApiDeprovisioner {
  const config = loadConfig({
    GONGOPS_DEACTIVATE_VIA: "okta",
    OKTA_ORG_URL: ORG,
    OKTA_GONG_APP_ID: APP,
    OKTA_API_TOKEN: "00oktatoken",
  });
  okta = createIdpDeprovisioner(config, silentLogger, clock, { dispatcher: agent, random: () => 0.5 }) as
    | (ApiDeprovisioner & { close(): Promise<void> })
    | null;
  return okta!;
}

describe("okta on the wire: rate limits read on Okta's clock, held per bucket", () => {
  it("X-Rate-Limit-Reset is read against the answer's Date: a host clock an hour behind Okta still waits 5 s", async () => {
    const oktaNow = Date.parse("2027-03-28T01:00:00Z");
    const clock = recordingClock(oktaNow - 3_600_000); // this host's clock is an hour behind Okta's
    const pool = agent.get(ORG);
    pool
      .intercept({ path: `/api/v1/apps/${APP}`, method: "GET" })
      .reply(
        429,
        { errorCode: "E0000047", errorSummary: "API call exceeded rate limit due to too many requests." },
        { headers: oktaHeaders(oktaNow, 0, 5) },
      );
    pool
      .intercept({ path: `/api/v1/apps/${APP}`, method: "GET" })
      .reply(200, app, { headers: oktaHeaders(oktaNow + 5_000, 99, 60) });
    expect((await adapter(clock).preflight()).refusal).toBeNull();
    expect(clock.sleeps).toEqual([5_000]);
  });

  it("an answer with X-Rate-Limit-Remaining: 0 holds that endpoint family only: another bucket's call goes at once", async () => {
    const oktaNow = Date.parse("2028-02-29T12:00:00Z");
    const clock = recordingClock(oktaNow + 120_000); // and this host's clock is two minutes ahead
    const pool = agent.get(ORG);
    pool
      .intercept({ path: `/api/v1/apps/${APP}`, method: "GET" })
      .reply(200, app, { headers: oktaHeaders(oktaNow, 0, 30) })
      .times(2);
    pool
      .intercept({ path: "/api/v1/users/fay@acme.example", method: "GET" })
      .reply(200, fay, { headers: oktaHeaders(oktaNow, 599, 60) });
    const dep = adapter(clock);
    await dep.preflight(); // the apps bucket is spent until Okta's now + 30 s
    expect(await dep.find("fay@acme.example")).toEqual({ id: "00ufay", login: "fay@acme.example" });
    expect(clock.sleeps).toEqual([]); // the users bucket was not held
    await dep.preflight();
    expect(clock.sleeps).toEqual([30_000]); // the apps bucket was, as long as Okta said
  });
});
