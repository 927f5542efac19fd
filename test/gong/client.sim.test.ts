import { afterEach, describe, expect, it } from "vitest";
import { GongAuthError, GongQuotaExhaustedError, GongServerError } from "../../src/gong/errors.js";
import { MemoryBudgetStore } from "../../src/gong/limiter.js";
import { DAY_MS } from "../../src/gong/windows.js";
import { Secret } from "../../src/secret.js";
import type { GongSim } from "../../src/sim/server.js";
import { connectToSim, startSim } from "../helpers/gong.js";

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});
async function sim(options: Parameters<typeof startSim>[0] = {}): Promise<GongSim> {
  const s = await startSim(options);
  open.push(s);
  return s;
}
function connect(s: GongSim, overrides: Parameters<typeof connectToSim>[1] = {}) {
  const c = connectToSim(s, overrides);
  open.push(c);
  return c;
}

describe("the limiter against the simulator's real limits", () => {
  it("a 20-way parallel burst never exceeds 3 in flight or 3 starts per second, with zero 429s", async () => {
    const s = await sim({ maxConcurrent: 3, maxRps: 3, latencyMs: 40 });
    const gong = connect(s, { maxConcurrent: 3, maxRps: 3 });
    const ids = s.org
      .users()
      .slice(0, 20)
      .map((u) => u.id);
    const users = await Promise.all(ids.map((id) => gong.client.getUser(id)));
    expect(users.map((u) => u?.id)).toEqual(ids);
    // Counted where Gong counts (arrivals at the simulator, over its exact one-second window), with the
    // margin the product promises from the first request (5%, plus the measured event-loop lag) and
    // never widened by a 429. This must hold on a loaded machine too: issue 13 ran it beside 4 and 6
    // CPU-bound processes.
    expect(s.stats.sent429).toBe(0);
    expect(s.stats.maxStartsPerSecond).toBeLessThanOrEqual(3);
    expect(s.stats.maxInFlight).toBeLessThanOrEqual(3);
    expect(s.stats.requests).toBe(20);
    expect(gong.limiter.stats()).toMatchObject({ margin: 0.05, holdMs: 1050 });
    expect(gong.limiter.stats().maxInFlight).toBeLessThanOrEqual(3);
  }, 20_000);

  it("a client allowed more than Gong takes the 429s, waits Retry-After, and still completes", async () => {
    const s = await sim({ maxConcurrent: 2, maxRps: null, latencyMs: 30 });
    const gong = connect(s, { maxConcurrent: 6 });
    const ids = s.org
      .users()
      .slice(0, 12)
      .map((u) => u.id);
    const users = await Promise.all(ids.map((id) => gong.client.getUser(id)));
    expect(users.every((u) => u !== null)).toBe(true);
    expect(s.stats.sent429).toBeGreaterThan(0);
  }, 20_000);
});

describe("listings", () => {
  it("lists 1,000 users in exactly 10 requests", async () => {
    const s = await sim({ orgOptions: { users: 1000, seed: 3, callsPerHostPerWeek: 0 } });
    const gong = connect(s);
    const ids: string[] = [];
    for await (const u of gong.client.listUsers()) ids.push(u.id);
    expect(ids).toHaveLength(1000);
    expect(new Set(ids).size).toBe(1000);
    expect(s.stats.byEndpoint["GET /v2/users"]).toBe(10);
  });

  it("restarts a listing whose cursor expires mid-way and yields each user once", async () => {
    const s = await sim({ orgOptions: { users: 650, seed: 4, callsPerHostPerWeek: 0 } });
    s.addFault({ fault: { kind: "expireCursor" }, endpoint: "GET /v2/users", withCursor: true, after: 3 });
    const gong = connect(s);
    const ids: string[] = [];
    for await (const u of gong.client.listUsers()) ids.push(u.id);
    expect(ids).toHaveLength(650);
    expect(new Set(ids)).toEqual(new Set(s.org.users().map((u) => u.id)));
    // 4 pages, the rejected 5th, then 7 pages from the top.
    expect(s.stats.byEndpoint["GET /v2/users"]).toBe(4 + 1 + 7);
    expect(gong.lines.some((l) => l.includes("restarting the listing"))).toBe(true);
  });

  it("a cursor that outlives its TTL is rejected and the listing restarts", async () => {
    const s = await sim({ orgOptions: { users: 250, seed: 5, callsPerHostPerWeek: 0 }, cursorTtlMs: 150 });
    s.addFault({
      fault: { kind: "slow", delayMs: 200 },
      endpoint: "GET /v2/users",
      withCursor: true,
      times: 1,
    });
    const gong = connect(s);
    const ids: string[] = [];
    for await (const u of gong.client.listUsers()) ids.push(u.id);
    expect(new Set(ids).size).toBe(250);
    expect(ids).toHaveLength(250);
  });

  it("splits a 250-day range into 3 windows of at most 90 days, losing no call", async () => {
    const s = await sim({ orgOptions: { users: 60, seed: 6, callsPerHostPerWeek: 2 } });
    const gong = connect(s);
    const to = new Date(Math.floor(Date.now() / 1000) * 1000);
    const from = new Date(to.getTime() - 250 * DAY_MS);
    const ids: string[] = [];
    for await (const c of gong.client.listCalls(from, to)) ids.push(c.id);
    const truth = s.org.callsBetween(from.getTime(), to.getTime()).map((c) => c.id);
    expect(ids.sort()).toEqual(truth.sort());
    expect(s.stats.byStatus["400"]).toBeUndefined();
    const pagesPerWindow = [0, 90, 180].map((d) => {
      const wFrom = from.getTime() + d * DAY_MS;
      const n = s.org.callsBetween(wFrom, Math.min(wFrom + 90 * DAY_MS, to.getTime())).length;
      return Math.max(1, Math.ceil(n / 100));
    });
    expect(s.stats.byEndpoint["GET /v2/calls"]).toBe(pagesPerWindow.reduce((a, b) => a + b));
  });

  it("keeps ids exact when the simulator sends them as bare JSON numbers", async () => {
    const s = await sim({ bareNumericIds: true });
    const gong = connect(s);
    const ids: string[] = [];
    for await (const u of gong.client.listUsers()) ids.push(u.id);
    expect(ids).toEqual(s.org.users().map((u) => u.id));
    expect(ids.some((id) => id.length >= 19)).toBe(true);
  });
});

describe("failures against the simulator", () => {
  it("honours the simulator's Retry-After", async () => {
    const s = await sim();
    s.addFault({ fault: { kind: "status", status: 429, retryAfter: "1" }, endpoint: "GET /v2/users/{id}" });
    const gong = connect(s);
    const started = Date.now();
    const u = await gong.client.getUser(s.org.users()[0]!.id);
    expect(u).not.toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(s.stats.byEndpoint["GET /v2/users/{id}"]).toBe(2);
  });

  it("retries 5xx, then surfaces it", async () => {
    const s = await sim();
    s.addFault({ fault: { kind: "status", status: 500 }, endpoint: "GET /v2/users/{id}", times: 100 });
    const gong = connect(s, { retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    await expect(gong.client.getUser(s.org.users()[0]!.id)).rejects.toBeInstanceOf(GongServerError);
    expect(s.stats.byEndpoint["GET /v2/users/{id}"]).toBe(3);
  });

  it("does not retry 401", async () => {
    const s = await sim();
    const gong = connect(s, {
      auth: {
        kind: "basic",
        accessKey: new Secret("wrong-key"),
        accessKeySecret: new Secret("wrong-secret"),
      },
    });
    await expect(gong.client.listUsers().next()).rejects.toBeInstanceOf(GongAuthError);
    expect(s.stats.requests).toBe(1);
  });

  it("survives a reset connection", async () => {
    const s = await sim();
    s.addFault({ fault: { kind: "reset" }, endpoint: "GET /v2/users/{id}" });
    const gong = connect(s);
    expect(await gong.client.getUser(s.org.users()[1]!.id)).not.toBeNull();
  });

  it("keeps a daily budget across restarts and fails fast, before sending, with the reset time", async () => {
    const s = await sim();
    const budget = new MemoryBudgetStore();
    const first = connect(s, { dailyQuota: 5, budget });
    const id = s.org.users()[0]!.id;
    for (let i = 0; i < 5; i++) await first.client.getUser(id);
    const error = await first.client.getUser(id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GongQuotaExhaustedError);
    const resetAt = (error as GongQuotaExhaustedError).resetAt;
    expect(resetAt.toISOString()).toMatch(/T00:00:00\.000Z$/);
    expect(resetAt.getTime()).toBeGreaterThan(Date.now());
    // A new process with the same store: still spent.
    const second = connect(s, { dailyQuota: 5, budget });
    await expect(second.client.getUser(id)).rejects.toBeInstanceOf(GongQuotaExhaustedError);
    expect(s.stats.requests).toBe(5);
  });
});

describe("SCIM against the simulator", () => {
  it("finds a user by email and deactivates them; the REST API then shows active=false", async () => {
    const s = await sim();
    const gong = connect(s);
    const target = s.org.users().find((u) => u.active && u.managerId)!;
    const scimUser = await gong.scim!.findUserByEmail(target.emailAddress.toUpperCase());
    expect(scimUser?.userName).toBe(target.emailAddress);
    expect(scimUser?.id).not.toBe(target.id);
    const after = await gong.scim!.setActive(scimUser!.id, false);
    expect(after.active).toBe(false);
    expect((await gong.client.getUser(target.id))?.active).toBe(false);
  });

  it("escapes quotes and backslashes in the email filter", async () => {
    const s = await sim();
    s.org.addUser({ firstName: "Odd", lastName: "Mail", emailAddress: 'o"dd\\mail@acme.example' });
    const gong = connect(s);
    const found = await gong.scim!.findUserByEmail('o"dd\\mail@acme.example');
    expect(found?.userName).toBe('o"dd\\mail@acme.example');
    expect(await gong.scim!.findUserByEmail("nobody@acme.example")).toBeNull();
  });
});
