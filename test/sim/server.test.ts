import { afterEach, describe, expect, it } from "vitest";
import { DAY_MS } from "../../src/gong/windows.js";
import { SimOrg } from "../../src/sim/org.js";
import { GongSim } from "../../src/sim/server.js";

const sims: GongSim[] = [];
afterEach(async () => {
  while (sims.length) await sims.pop()!.close();
});
async function start(options: Parameters<typeof GongSim.start>[0] = {}) {
  const sim = await GongSim.start({ maxRps: null, orgOptions: { users: 150, seed: 2 }, ...options });
  sims.push(sim);
  return sim;
}
function auth(sim: GongSim) {
  return {
    authorization: `Basic ${Buffer.from(`${sim.credentials.accessKey}:${sim.credentials.accessKeySecret}`).toString("base64")}`,
  };
}
/** The parts of Gong's wire format these tests read. */
interface Wire {
  records: { totalRecords: number; currentPageSize: number; currentPageNumber: number; cursor: string };
  users: { id: string }[];
  calls: { primaryUserId: string }[];
  errors: string[];
}
async function get(sim: GongSim, path: string) {
  const res = await fetch(sim.url + path, { headers: auth(sim) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Wire };
}
async function post(sim: GongSim, path: string, body: unknown) {
  const res = await fetch(sim.url + path, {
    method: "POST",
    headers: { ...auth(sim), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Wire };
}
const iso = (ms: number) => new Date(ms).toISOString();

describe("the generated org", () => {
  it("is the same for the same seed and different for another", () => {
    const now = new Date("2026-06-01T00:00:00Z");
    const a = SimOrg.generate({ users: 200, seed: 9, now });
    const b = SimOrg.generate({ users: 200, seed: 9, now });
    const c = SimOrg.generate({ users: 200, seed: 10, now });
    expect(JSON.stringify(a.users())).toBe(JSON.stringify(b.users()));
    expect(a.callCount()).toBe(b.callCount());
    expect(JSON.stringify(a.users())).not.toBe(JSON.stringify(c.users()));
  });

  it("holds the awkward cases the product must survive", () => {
    const now = new Date("2026-06-01T00:00:00Z");
    const org = SimOrg.generate({ users: 300, seed: 1, now });
    const users = org.users();
    const byId = new Map(users.map((u) => [u.id, u]));
    expect(users.some((u) => u.id.length === 19)).toBe(true);
    expect(users.some((u) => u.id.length === 20)).toBe(true);
    expect(users.some((u) => !u.active)).toBe(true);
    expect(users.some((u) => Date.parse(u.created) > now.getTime() - 30 * DAY_MS)).toBe(true);
    expect(users.some((u) => u.firstName.includes("<!channel>"))).toBe(true);
    expect(users.some((u) => /[<>&]/.test(u.title ?? ""))).toBe(true);
    expect(users.some((u) => /[^ -~]/.test(u.firstName + u.lastName))).toBe(true);
    expect(users.some((u) => u.managerId && !byId.has(u.managerId))).toBe(true);
    const cycle = users.filter((u) => u.managerId && byId.get(u.managerId)?.managerId === u.id);
    expect(cycle).toHaveLength(2);
    const from = now.getTime() - 365 * DAY_MS;
    const silent = users.filter((u) => u.active && org.hostedBetween(u.id, from, now.getTime()) === 0);
    expect(silent.length).toBeGreaterThan(20);
    // A realistic tree: several levels, no manager with an absurd span.
    const spans = new Map<string, number>();
    for (const u of users) if (u.managerId) spans.set(u.managerId, (spans.get(u.managerId) ?? 0) + 1);
    expect(Math.max(...spans.values())).toBeLessThanOrEqual(10);
  });
});

describe("the simulator enforces the contract", () => {
  it("refuses bad credentials with 401 and Gong's error body", async () => {
    const sim = await start();
    const res = await fetch(`${sim.url}/v2/users`, { headers: { authorization: "Basic bm9wZTpub3Bl" } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ errors: [expect.any(String)], requestId: expect.any(String) });
  });

  it("caps /v2/calls at 90 days and answers an empty window with 404 'No calls found'", async () => {
    const sim = await start();
    const now = Date.now();
    const tooLong = await get(sim, `/v2/calls?fromDateTime=${iso(now - 91 * DAY_MS)}&toDateTime=${iso(now)}`);
    expect(tooLong.status).toBe(400);
    const empty = await get(
      sim,
      `/v2/calls?fromDateTime=${iso(now + DAY_MS)}&toDateTime=${iso(now + 2 * DAY_MS)}`,
    );
    expect(empty.status).toBe(404);
    expect(empty.body.errors[0] ?? "").toMatch(/^No calls found/);
  });

  it("pages by 100 with a cursor bound to its listing; a POST cursor in the query returns page 1 again", async () => {
    const sim = await start({ orgOptions: { users: 250, seed: 3, callsPerHostPerWeek: 0 } });
    const p1 = await get(sim, "/v2/users");
    expect(p1.body.records).toMatchObject({ totalRecords: 250, currentPageSize: 100, currentPageNumber: 0 });
    const p2 = await get(sim, `/v2/users?cursor=${encodeURIComponent(p1.body.records.cursor)}`);
    expect(p2.body.records.currentPageNumber).toBe(1);
    expect(p2.body.users[0]?.id).not.toBe(p1.body.users[0]?.id);
    const tampered = await get(sim, `/v2/users?cursor=${encodeURIComponent(`${p1.body.records.cursor}x`)}`);
    expect(tampered.status).toBe(400);

    const e1 = await post(sim, "/v2/users/extensive", { filter: {} });
    const inQuery = await post(
      sim,
      `/v2/users/extensive?cursor=${encodeURIComponent(e1.body.records.cursor)}`,
      { filter: {} },
    );
    expect(inQuery.body.records.currentPageNumber).toBe(0);
    const inBody = await post(sim, "/v2/users/extensive", { filter: {}, cursor: e1.body.records.cursor });
    expect(inBody.body.records.currentPageNumber).toBe(1);
    // A cursor from one listing is refused by another.
    const crossed = await get(sim, `/v2/users?cursor=${encodeURIComponent(e1.body.records.cursor)}`);
    expect(crossed.status).toBe(400);
  });

  it("filters GET /v2/calls by primaryUserIds in seed mode and ignores it in public-docs mode", async () => {
    const sim = await start({ orgOptions: { users: 80, seed: 4, callsPerHostPerWeek: 3 } });
    const now = Date.now();
    const host = sim.org.users().find((u) => sim.org.hostedBetween(u.id, now - 30 * DAY_MS, now) > 0)!;
    const q = `/v2/calls?fromDateTime=${iso(now - 30 * DAY_MS)}&toDateTime=${iso(now)}&primaryUserIds=${host.id}`;
    const seed = await get(sim, q);
    expect(seed.body.calls.every((c) => c.primaryUserId === host.id)).toBe(true);
    sim.settings.mode = "public-docs";
    const pub = await get(sim, q);
    expect(pub.body.calls.some((c) => c.primaryUserId !== host.id)).toBe(true);
  });

  it("sends 429 with Retry-After beyond the daily quota, and records what it saw", async () => {
    const sim = await start({ dailyQuota: 2 });
    await get(sim, "/v2/users");
    await get(sim, "/v2/users");
    const third = await get(sim, "/v2/users");
    expect(third.status).toBe(429);
    expect(Number(third.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(sim.stats).toMatchObject({ requests: 3, sent429: 1, byEndpoint: { "GET /v2/users": 3 } });
  });

  it("injects faults: 5xx bursts, malformed bodies", async () => {
    const sim = await start();
    sim.addFault({ fault: { kind: "status", status: 503 }, endpoint: "GET /v2/users", times: 2 });
    sim.addFault({ fault: { kind: "malformed" }, endpoint: "GET /v2/users" });
    expect((await fetch(`${sim.url}/v2/users`, { headers: auth(sim) })).status).toBe(503);
    expect((await fetch(`${sim.url}/v2/users`, { headers: auth(sim) })).status).toBe(503);
    const bad = await fetch(`${sim.url}/v2/users`, { headers: auth(sim) });
    await expect(bad.json()).rejects.toThrow();
    expect((await fetch(`${sim.url}/v2/users`, { headers: auth(sim) })).status).toBe(200);
  });
});
