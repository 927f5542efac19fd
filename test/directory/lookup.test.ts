import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AppContext } from "../../src/context.js";
import type { GongSim } from "../../src/sim/server.js";
import { ShiftableClock } from "../helpers/clock.js";
import { simContext } from "../helpers/context.js";
import { startSim } from "../helpers/gong.js";
import { ID, knownOrg } from "../helpers/org.js";

let sim: GongSim;
let ctx: AppContext;
let clock: ShiftableClock;
beforeEach(async () => {
  sim = await startSim({ org: knownOrg() });
  clock = new ShiftableClock(sim.org.now);
  ctx = simContext(sim, { GONGOPS_FRESHNESS_MINUTES: "60" }, { clock });
  await ctx.directory.sync!.run();
  sim.stats.reset();
});
afterEach(async () => {
  await ctx.close();
  await sim.close();
});

describe("lookups on a fresh snapshot", () => {
  it("by id: the card with manager, title, state and where the data came from, with no Gong request", async () => {
    const r = await ctx.directory.lookup.find(ID.dana);
    expect(r.match).toBe("one");
    if (r.match !== "one") return;
    expect(r.user).toMatchObject({
      id: ID.dana,
      email: "dana.lee@acme.example",
      title: "AE",
      active: true,
      managerId: ID.vpA,
    });
    expect(r.user.manager).toMatchObject({ name: "Ben Down", active: false, known: true });
    expect(r.freshness).toMatchObject({ source: "snapshot", stale: false });
    expect(sim.stats.requests).toBe(0);
  });

  it("by email, case-insensitively, and by an alias", async () => {
    const a = await ctx.directory.lookup.find("DANA.Lee@Acme.Example");
    expect(a.match === "one" && a.user.id).toBe(ID.dana);
    const b = await ctx.directory.lookup.find("chloe@OLD-acme.example");
    expect(b.match === "one" && b.user.id).toBe(ID.vpB);
  });

  it("by name, ignoring case and accents, on first, last or full name", async () => {
    for (const q of ["chloe", "COTE", "chloé côté", "emile zola", "zol"]) {
      const r = await ctx.directory.lookup.find(q);
      expect(r.match, q).toBe("one");
    }
  });

  it("lists several matches, capped, with the count of the rest", async () => {
    const r = await ctx.directory.lookup.find("loop");
    expect(r.match).toBe("many");
    if (r.match === "many") expect(r.users.map((u) => u.name).sort()).toEqual(["Xavier Loop", "Yuki Loop"]);
    for (let i = 1; i <= 15; i++) sim.org.addUser({ firstName: "Sam", lastName: `Sample ${i}` });
    await ctx.directory.sync!.run();
    const sam = await ctx.directory.lookup.find("sam");
    expect(sam.match).toBe("many");
    if (sam.match === "many") {
      expect(sam.users).toHaveLength(10);
      expect(sam.total).toBe(15);
    }
  });

  it("says when nothing matches and suggests the closest names", async () => {
    const r = await ctx.directory.lookup.find("Emil Zolla");
    expect(r.match).toBe("none");
    if (r.match === "none") expect(r.suggestions).toContain("Émile Zola");
  });

  it("keeps a 20-digit id exact through SQLite", async () => {
    const r = await ctx.directory.lookup.find(ID.big);
    expect(r.match === "one" && r.user.id).toBe("18446744073709551615");
    expect(r.match === "one" && r.user.managerId).toBe(ID.fay);
  });
});

describe("lookups that must not answer stale", () => {
  it("fetches an id missing from the snapshot from Gong, and says so", async () => {
    sim.org.addUser({ id: "5550000000000000001", firstName: "Late", lastName: "Joiner" });
    const r = await ctx.directory.lookup.find("5550000000000000001");
    expect(r.match === "one" && r.user.name).toBe("Late Joiner");
    expect(r.freshness).toMatchObject({
      source: "gong",
      note: expect.stringMatching(/not in the directory snapshot/),
    });
    expect(sim.stats.byEndpoint["GET /v2/users/{id}"]).toBe(1);
  });

  it("refreshes a match from Gong when the snapshot is older than the freshness setting", async () => {
    sim.org.updateUser(ID.dana, { title: "Senior AE" });
    clock.jump(2 * 60 * 60 * 1000);
    const byId = await ctx.directory.lookup.find(ID.dana);
    expect(byId.match === "one" && byId.user.title).toBe("Senior AE");
    expect(byId.freshness.source).toBe("gong");
    const byName = await ctx.directory.lookup.find("dana");
    expect(byName.match === "one" && byName.user.title).toBe("Senior AE");
    expect(sim.stats.byEndpoint["POST /v2/users/extensive"]).toBe(1);
  });

  it("syncs when a stale snapshot finds nothing, then answers", async () => {
    sim.org.addUser({ firstName: "Brand", lastName: "Newcomer" });
    clock.jump(2 * 60 * 60 * 1000);
    const r = await ctx.directory.lookup.find("newcomer");
    expect(r.match === "one" && r.user.name).toBe("Brand Newcomer");
    expect(r.freshness.note).toMatch(/synced for this lookup/);
  });

  it("falls back to the snapshot, clearly marked, when Gong cannot be asked", async () => {
    clock.jump(2 * 60 * 60 * 1000);
    sim.addFault({ fault: { kind: "status", status: 503 }, times: 100 });
    const r = await ctx.directory.lookup.find(ID.dana);
    expect(r.match === "one" && r.user.id).toBe(ID.dana);
    expect(r.freshness).toMatchObject({
      source: "snapshot",
      stale: true,
      note: expect.stringMatching(/could not be asked/),
    });
  });
});

describe("how far a lookup may go (members' lookups in Slack)", () => {
  it("live: a stale snapshot and an unknown name never sync the whole directory", async () => {
    clock.jump(2 * 60 * 60_000);
    const r = await ctx.directory.lookup.find("nobody by this name", { refresh: "live" });
    expect(r.match).toBe("none");
    expect(sim.stats.byEndpoint["GET /v2/users"] ?? 0).toBe(0);
    // A match is still refreshed live, one small request.
    const dana = await ctx.directory.lookup.find("dana", { refresh: "live" });
    expect(dana.freshness.source).toBe("gong");
    expect(sim.stats.requests).toBe(1);
  });

  it("none: the snapshot alone, dated, with no Gong request at all", async () => {
    clock.jump(2 * 60 * 60_000);
    const r = await ctx.directory.lookup.find(ID.dana, { refresh: "none", note: "live lookups used up" });
    expect(r.match).toBe("one");
    expect(r.freshness).toMatchObject({ source: "snapshot", stale: true });
    expect(r.freshness.note).toMatch(/directory snapshot from .*live lookups used up/);
    const unknown = await ctx.directory.lookup.find("5550000000000099999", { refresh: "none" });
    expect(unknown.match).toBe("none");
    expect(sim.stats.requests).toBe(0);
  });

  it("refuses a query too long to be a name, an email or an id", async () => {
    await expect(ctx.directory.lookup.find("x".repeat(60_000))).rejects.toThrow(/too long/);
  });
});
