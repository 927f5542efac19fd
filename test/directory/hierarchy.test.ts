import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppContext } from "../../src/context.js";
import type { GongSim } from "../../src/sim/server.js";
import { simContext } from "../helpers/context.js";
import { startSim } from "../helpers/gong.js";
import { ID, knownOrg } from "../helpers/org.js";

let sim: GongSim;
let ctx: AppContext;
beforeAll(async () => {
  sim = await startSim({ org: knownOrg() });
  ctx = simContext(sim);
  await ctx.directory.sync!.run();
});
afterAll(async () => {
  await ctx.close();
  await sim.close();
});

const names = (refs: { name: string }[]) => refs.map((r) => r.name);

describe("chain", () => {
  it("walks from the user to the top", async () => {
    const c = (await ctx.directory.hierarchy.chain(ID.big))!;
    expect(names(c.chain)).toEqual(["Max Id", "Fay Ng", "Émile Zola", "Chloé Côté", "Ana Top"]);
    expect(c.end).toEqual({ kind: "top" });
    expect(c.chain[0]!.id).toBe("18446744073709551615");
  });

  it("marks inactive managers", async () => {
    const c = (await ctx.directory.hierarchy.chain(ID.dana))!;
    expect(c.chain.map((p) => [p.name, p.active])).toEqual([
      ["Dana Lee", true],
      ["Ben Down", false],
      ["Ana Top", true],
    ]);
  });

  it("stops at a cycle and names who is in it", async () => {
    const c = (await ctx.directory.hierarchy.chain(ID.will))!;
    expect(names(c.chain)).toEqual(["Will Under", "Xavier Loop", "Yuki Loop"]);
    expect(c.end.kind).toBe("cycle");
    expect(c.end.kind === "cycle" && names(c.end.members)).toEqual(["Xavier Loop", "Yuki Loop"]);
  });

  it("reports a manager id that is not in the directory as unknown", async () => {
    expect((await ctx.directory.hierarchy.chain(ID.zed))!.end).toEqual({
      kind: "unknown-manager",
      managerId: "9999999999999999999",
    });
  });
});

describe("reports", () => {
  it("gives the whole tree with counts per level and inactive counts", async () => {
    const r = (await ctx.directory.hierarchy.reports(ID.ceo))!;
    expect(r.levels).toEqual([
      { level: 1, count: 2, inactive: 1 },
      { level: 2, count: 3, inactive: 0 },
      { level: 3, count: 1, inactive: 0 },
      { level: 4, count: 1, inactive: 0 },
    ]);
    expect(r.total).toBe(7);
    expect(r.inactive).toBe(1);
    expect(names(r.tree.reports.map((t) => t.user))).toEqual(["Ben Down", "Chloé Côté"]);
  });

  it("stops at the requested depth and counts what it hides", async () => {
    const r = (await ctx.directory.hierarchy.reports(ID.ceo, 1))!;
    expect(r.total).toBe(2);
    expect(r.tree.reports.map((t) => t.hiddenReports)).toEqual([2, 1]);
  });

  it("is safe on cycles: everyone once", async () => {
    const r = (await ctx.directory.hierarchy.reports(ID.x))!;
    expect(r.total).toBe(2);
    expect(names(r.tree.reports.map((t) => t.user)).sort()).toEqual(["Will Under", "Yuki Loop"]);
  });
});

describe("org-health", () => {
  it("finds every cycle, dangling manager, active user under an inactive manager, and orphan", async () => {
    const h = (await ctx.directory.hierarchy.orgHealth())!;
    expect(h.cycles.map((c) => names(c).sort())).toEqual([["Xavier Loop", "Yuki Loop"]]);
    expect(h.danglingManagers.map((d) => [d.user.name, d.managerId])).toEqual([
      ["Zed Lost", "9999999999999999999"],
    ]);
    expect(names(h.activeUnderInactiveManager.map((d) => d.user)).sort()).toEqual(["Dana Lee", "Eli Park"]);
    expect(names(h.orphans)).toEqual(["Olga Alone"]);
    expect(names(h.tops)).toEqual(["Ana Top"]);
    expect(h.counts).toMatchObject({
      users: 13,
      cycles: 1,
      danglingManagers: 1,
      activeUnderInactiveManager: 2,
      orphans: 1,
    });
  });
});
