import { MockAgent } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Clock, systemClock } from "../../src/clock.js";
import type { GongAuth } from "../../src/config.js";
import { connectGong, type GongConnection } from "../../src/gong/connect.js";
import {
  GongAuthError,
  type GongError,
  GongRequestError,
  GongResponseError,
  GongRetryAfterTooLongError,
  GongServerError,
} from "../../src/gong/errors.js";
import { Secret } from "../../src/secret.js";
import { captureLog } from "../helpers/log.js";

const BASE = "https://us-4711.api.gong.io";
const KEY = "AKLIVE-key-0123456789";
const SECRET = "live-secret-abcdefghijklmnop";
const BASIC = Buffer.from(`${KEY}:${SECRET}`).toString("base64");

/** Virtual time: sleeps return at once and move the clock, and are recorded. */
function fakeTiming(): Clock & { sleeps: number[] } {
  let t = Date.parse("2026-03-01T12:00:00Z");
  const sleeps: number[] = [];
  return {
    sleeps,
    ...systemClock,
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
  };
}

const user = (id: string, extra: object = {}) => ({
  id,
  emailAddress: `u${id}@acme.example`,
  active: true,
  ...extra,
});
const page = (users: object[], cursor?: string) => ({
  requestId: "req-1",
  records: {
    totalRecords: users.length,
    currentPageSize: users.length,
    currentPageNumber: 0,
    ...(cursor ? { cursor } : {}),
  },
  users,
});

let agent: MockAgent;
let timing: ReturnType<typeof fakeTiming>;
let gong: GongConnection;
let lines: string[];

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  timing = fakeTiming();
  const auth: GongAuth = { kind: "basic", accessKey: new Secret(KEY), accessKeySecret: new Secret(SECRET) };
  const captured = captureLog([auth.accessKey, auth.accessKeySecret, new Secret(`${KEY}:${SECRET}`)]);
  lines = captured.lines;
  gong = connectGong({
    baseUrl: BASE,
    auth,
    maxConcurrent: 3,
    maxRps: 10_000,
    dailyQuota: 1_000,
    windowDays: 90,
    dispatcher: agent,
    clock: timing,
    random: () => 0.5,
    retry: { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 1_000, retryAfterMaxMs: 60_000 },
    log: captured.log,
  });
});

afterEach(async () => {
  await agent.close();
});

const pool = () => agent.get(BASE);

async function failureOf(p: Promise<unknown>): Promise<GongError> {
  try {
    await p;
  } catch (e) {
    return e as GongError;
  }
  throw new Error("expected a failure");
}

describe("retries", () => {
  it("waits for Retry-After (seconds) on 429, then succeeds", async () => {
    pool()
      .intercept({ path: "/v2/users/42", method: "GET" })
      .reply(429, { errors: ["slow down"] }, { headers: { "retry-after": "7" } });
    pool()
      .intercept({ path: "/v2/users/42", method: "GET" })
      .reply(200, { user: user("42") });
    const u = await gong.client.getUser("42");
    expect(u?.id).toBe("42");
    expect(timing.sleeps).toContain(7_000);
  });

  it("accepts Retry-After as an HTTP date", async () => {
    const at = new Date(timing.now() + 4_000).toUTCString();
    pool()
      .intercept({ path: "/v2/users/42", method: "GET" })
      .reply(429, {}, { headers: { "retry-after": at } });
    pool()
      .intercept({ path: "/v2/users/42", method: "GET" })
      .reply(200, { user: user("42") });
    await gong.client.getUser("42");
    expect(timing.sleeps.some((ms) => ms >= 3_000 && ms <= 4_000)).toBe(true);
  });

  it("surfaces a Retry-After longer than the cap instead of sleeping for hours", async () => {
    pool()
      .intercept({ path: "/v2/users/42", method: "GET" })
      .reply(429, { errors: ["quota"] }, { headers: { "retry-after": "7200" } });
    const error = await failureOf(gong.client.getUser("42"));
    expect(error).toBeInstanceOf(GongRetryAfterTooLongError);
    expect((error as GongRetryAfterTooLongError).retryAt.getTime()).toBe(timing.now() + 7_200_000);
    expect(timing.sleeps).toEqual([]);
  });

  it("retries 5xx with bounded, jittered back-off, then surfaces the failure", async () => {
    pool()
      .intercept({ path: "/v2/users/42", method: "GET" })
      .reply(503, { requestId: "r-503", errors: ["down"] })
      .times(4);
    const error = await failureOf(gong.client.getUser("42"));
    expect(error).toBeInstanceOf(GongServerError);
    expect(error.status).toBe(503);
    expect(error.requestId).toBe("r-503");
    expect(gong.limiter.stats().sent).toBe(4); // first try + maxRetries (3)
    // full jitter with random()=0.5: half of 100, 200, 400 ms
    expect(timing.sleeps).toEqual([50, 100, 200]);
  });

  it("recovers when a 5xx is followed by a success", async () => {
    pool().intercept({ path: "/v2/users/42", method: "GET" }).reply(502, "bad gateway");
    pool()
      .intercept({ path: "/v2/users/42", method: "GET" })
      .reply(200, { user: user("42") });
    expect((await gong.client.getUser("42"))?.id).toBe("42");
  });

  it("never retries 401, and says what failed without the credentials", async () => {
    pool()
      .intercept({ path: "/v2/users/42", method: "GET" })
      .reply(401, { requestId: "r-401", errors: ["invalid key"] });
    const error = await failureOf(gong.client.getUser("42"));
    expect(error).toBeInstanceOf(GongAuthError);
    expect(gong.limiter.stats().sent).toBe(1);
    expect(error.message).toContain("GET /v2/users/42");
    expect(error.message).toContain("invalid key");
    expect(error.message).toContain("r-401");
  });

  it("never retries 400", async () => {
    pool()
      .intercept({ path: (p) => p.startsWith("/v2/calls"), method: "GET" })
      .reply(400, { errors: ["bad range"] });
    const error = await failureOf(gong.client.listCalls(new Date(0), new Date(86_400_000)).next());
    expect(error).toBeInstanceOf(GongRequestError);
    expect(gong.limiter.stats().sent).toBe(1);
  });
});

describe("responses", () => {
  it("treats Gong's 404 'No calls found' as an empty listing", async () => {
    pool()
      .intercept({ path: (p) => p.startsWith("/v2/calls?"), method: "GET" })
      .reply(404, { requestId: "r", errors: ["No calls found corresponding to the provided filters"] });
    const calls = [];
    for await (const c of gong.client.listCalls(new Date("2026-01-01"), new Date("2026-02-01")))
      calls.push(c);
    expect(calls).toEqual([]);
  });

  it("treats a 404 for one user id as 'not found'", async () => {
    pool()
      .intercept({ path: "/v2/users/404404", method: "GET" })
      .reply(404, { errors: ["User not found"] });
    expect(await gong.client.getUser("404404")).toBeNull();
  });

  it("keeps a 20-digit id that arrives as a bare JSON number exact", async () => {
    const body =
      '{"requestId":"r","records":{"totalRecords":2,"currentPageSize":2,"currentPageNumber":0},' +
      '"users":[{"id":18446744073709551615,"managerId":7782342274025937895,"active":true},{"id":12345,"active":false}]}';
    pool().intercept({ path: "/v2/users?includeAvatars=false", method: "GET" }).reply(200, body);
    const users = [];
    for await (const u of gong.client.listUsers()) users.push(u);
    expect(users.map((u) => u.id)).toEqual(["18446744073709551615", "12345"]);
    expect(users[0]!.managerId).toBe("7782342274025937895");
  });

  it("rejects a response missing a required field, naming the field and the endpoint", async () => {
    pool()
      .intercept({ path: "/v2/users?includeAvatars=false", method: "GET" })
      .reply(200, page([user("1"), { emailAddress: "no-id@acme.example" }]));
    const error = await failureOf(gong.client.listUsers().next());
    expect(error).toBeInstanceOf(GongResponseError);
    expect(error.message).toMatch(/users\[1\]\.id/);
    expect(error.message).toContain("GET /v2/users");
  });

  it("gives a clear error for malformed JSON after retrying it", async () => {
    pool().intercept({ path: "/v2/users/42", method: "GET" }).reply(200, '{"user": {"id": "42", ').times(4);
    const error = await failureOf(gong.client.getUser("42"));
    expect(error).toBeInstanceOf(GongResponseError);
    expect(error.message).toMatch(/malformed JSON/);
    expect(error.message).toContain("GET /v2/users/42");
  });

  it("recovers from one truncated body", async () => {
    pool().intercept({ path: "/v2/users/42", method: "GET" }).reply(200, '{"user": {"id": "4');
    pool()
      .intercept({ path: "/v2/users/42", method: "GET" })
      .reply(200, { user: user("42") });
    expect((await gong.client.getUser("42"))?.id).toBe("42");
  });

  it("sends the cursor of POST listings in the body, never in the query", async () => {
    // Exact paths: a cursor in the query string would match neither interceptor and fail the request.
    const parse = (b: string) => JSON.parse(b) as { filter: unknown; cursor?: string };
    const sameFilter = (b: string) =>
      JSON.stringify(parse(b).filter) === JSON.stringify({ userIds: ["1", "2"] });
    pool()
      .intercept({
        path: "/v2/users/extensive",
        method: "POST",
        body: (b) => sameFilter(b) && !parse(b).cursor,
      })
      .reply(200, page([user("1")], "CURSOR-2"));
    pool()
      .intercept({
        path: "/v2/users/extensive",
        method: "POST",
        body: (b) => sameFilter(b) && parse(b).cursor === "CURSOR-2",
      })
      .reply(200, page([user("2")]));
    const users = await gong.client.getUsersExtensive(["1", "2"]);
    expect(users.map((u) => u.id)).toEqual(["1", "2"]);
    agent.assertNoPendingInterceptors();
  });
});

describe("secrets", () => {
  it("no error text or log line carries the key, the secret or the Basic header", async () => {
    pool()
      .intercept({ path: "/v2/users/1", method: "GET" })
      .reply(500, { errors: ["boom"] })
      .times(4);
    pool()
      .intercept({ path: "/v2/users/2", method: "GET" })
      .reply(401, { errors: ["no"] });
    pool()
      .intercept({ path: "/v2/users/3", method: "GET" })
      .replyWithError(new Error("socket hang up"))
      .times(4);
    pool()
      .intercept({ path: "/v2/users/4", method: "GET" })
      .reply(429, {}, { headers: { "retry-after": "1" } });
    pool().intercept({ path: "/v2/users/4", method: "GET" }).reply(200, "{oops").times(4);
    const errors = await Promise.all(["1", "2", "3", "4"].map((id) => failureOf(gong.client.getUser(id))));
    const texts = [
      ...errors.flatMap((e) => [e.message, String(e), JSON.stringify(e), e.stack ?? ""]),
      ...lines,
    ];
    expect(lines.length).toBeGreaterThan(3);
    for (const text of texts) {
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(BASIC);
    }
  });
});

describe("pagination guards", () => {
  it("a server that hands back the same cursor forever is an error, not an endless loop", async () => {
    pool()
      .intercept({ path: (p) => p.startsWith("/v2/users"), method: "GET" })
      .reply(200, () => page([user(String(Math.floor(Math.random() * 1e9)))], "SAME-CURSOR"))
      .persist();
    const error = await failureOf(
      (async () => {
        for await (const _ of gong.client.listUsers()) {
          // drain
        }
      })(),
    );
    expect(error).toBeInstanceOf(GongResponseError);
    expect(error.message).toMatch(/pagination does not end/);
    expect(gong.limiter.stats().sent).toBe(2);
  });
});
