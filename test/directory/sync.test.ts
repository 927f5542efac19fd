import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AppContext } from "../../src/context.js";
import { LockHeldError } from "../../src/errors.js";
import { GongServerError } from "../../src/gong/errors.js";
import type { GongSim } from "../../src/sim/server.js";
import { simContext } from "../helpers/context.js";
import { startSim } from "../helpers/gong.js";

let sim: GongSim;
let ctx: AppContext;

beforeEach(async () => {
  sim = await startSim({ orgOptions: { users: 450, seed: 11, callsPerHostPerWeek: 0 } });
  ctx = simContext(sim);
});
afterEach(async () => {
  await ctx.close();
  await sim.close();
});

const snapshot = (c: AppContext) => {
  const state = c.repos.directory.state()!;
  return c.db.$client
    .prepare(
      `SELECT u.id, email, active, manager_id, title, raw FROM directory_users u
       JOIN directory_records r ON r.id = u.id AND r.valid_from = u.valid_from
       WHERE u.valid_from <= @g AND (valid_to IS NULL OR valid_to > @g) ORDER BY u.id`,
    )
    .all({ g: state.gen });
};

describe("directory sync", () => {
  it("takes a first snapshot: everyone joined, ids exact, in 5 requests for 450 users", async () => {
    const { run, changes } = await ctx.directory.sync!.run();
    expect(run.outcome).toBe("succeeded");
    expect(run.usersSeen).toBe(450);
    expect(run.requestsUsed).toBe(5);
    expect(run.counts.joined).toBe(450);
    expect(changes.every((c) => c.kind === "joined")).toBe(true);
    const long = sim.org.users().find((u) => u.id.length === 19)!;
    const row = ctx.repos.directory.byId(ctx.repos.directory.state()!.gen, long.id)!;
    expect(row.id).toBe(long.id);
    expect(JSON.parse(ctx.repos.directory.rawRecord(row.validFrom, long.id)!).id).toBe(long.id);
    expect(row.email).toBe(long.emailAddress.toLowerCase());
  });

  it("reports exactly what changed between two syncs", async () => {
    await ctx.directory.sync!.run();
    const users = sim.org.users().filter((u) => u.active && u.managerId);
    const [leaver, moved, renamed, deactivated, retitled] = users;
    const newManager = users[10]!;
    const was = {
      manager: moved!.managerId,
      email: renamed!.emailAddress.toLowerCase(),
      title: retitled!.title,
    };
    sim.org.removeUser(leaver!.id);
    sim.org.updateUser(moved!.id, { managerId: newManager.id });
    sim.org.updateUser(renamed!.id, { emailAddress: "Brand.New@Acme.Example" });
    sim.org.updateUser(deactivated!.id, { active: false });
    sim.org.updateUser(retitled!.id, { title: "Chief <Seat> Reclaimer" });
    const joiner = sim.org.addUser({ firstName: "New", lastName: "Hire", id: "7782342274025937895" });

    const { run, changes } = await ctx.directory.sync!.run();
    const got = changes.map((c) => [c.kind, c.userId, c.before, c.after]).sort();
    expect(got).toEqual(
      [
        ["left", leaver!.id, leaver!.emailAddress, null],
        ["manager_changed", moved!.id, was.manager, newManager.id],
        ["email_changed", renamed!.id, was.email, "brand.new@acme.example"],
        ["deactivated", deactivated!.id, "true", "false"],
        ["title_changed", retitled!.id, was.title, "Chief <Seat> Reclaimer"],
        ["joined", joiner.id, null, joiner.emailAddress],
      ].sort(),
    );
    expect(run.counts).toMatchObject({
      joined: 1,
      left: 1,
      deactivated: 1,
      manager_changed: 1,
      email_changed: 1,
      title_changed: 1,
    });
    expect(ctx.repos.syncRuns.changesOf(run.id)).toHaveLength(6);
    // Only what changed was written: new versions for the 4 changed users and the joiner.
    const written = ctx.db.$client
      .prepare("SELECT count(*) AS n FROM directory_users WHERE valid_from = ?")
      .get(run.id);
    expect(written).toEqual({ n: 5 });
    expect(ctx.repos.directory.count(run.id)).toBe(450);
  });

  it("a sync that fails halfway leaves the previous snapshot and history exactly as they were", async () => {
    const first = await ctx.directory.sync!.run();
    sim.org.removeUser(sim.org.users()[0]!.id);
    sim.org.addUser({ firstName: "Would", lastName: "Join" });
    const before = snapshot(ctx);
    const historyBefore = ctx.db.$client.prepare("SELECT * FROM directory_changes ORDER BY id").all();
    sim.addFault({
      fault: { kind: "status", status: 503 },
      endpoint: "GET /v2/users",
      after: 2,
      times: 1000,
    });

    await expect(ctx.directory.sync!.run()).rejects.toBeInstanceOf(GongServerError);

    expect(ctx.repos.directory.state()!.gen).toBe(first.run.id);
    expect(snapshot(ctx)).toEqual(before);
    expect(ctx.db.$client.prepare("SELECT * FROM directory_changes ORDER BY id").all()).toEqual(
      historyBefore,
    );
    const failed = ctx.repos.syncRuns.recent(1)[0]!;
    expect(failed.outcome).toBe("failed");
    expect(failed.error).toMatch(/503/);
    expect(failed.usersSeen).toBe(200);
    const leftovers = ctx.db.$client
      .prepare("SELECT count(*) AS n FROM directory_users WHERE valid_from = @g OR valid_to = @g")
      .get({ g: failed.id });
    expect(leftovers).toEqual({ n: 0 });
  });

  it("refuses a second sync while one is running, and says since when", async () => {
    sim.settings.latencyMs = 30;
    const first = ctx.directory.sync!.run();
    await new Promise((r) => setTimeout(r, 10));
    const second = await ctx.directory.sync!.run().catch((e: unknown) => e);
    expect(second).toBeInstanceOf(LockHeldError);
    expect((second as Error).message).toMatch(/already running \(started \d{4}-/);
    expect(ctx.directory.sync!.running()).not.toBeNull();
    await first;
    expect(ctx.directory.sync!.running()).toBeNull();
  });
});

describe("sync safety", () => {
  it("a listing that ends short of Gong's totalRecords is not committed", async () => {
    const first = await ctx.directory.sync!.run();
    sim.addFault({
      fault: {
        kind: "status",
        status: 404,
        errors: ["No users found corresponding to the provided filters"],
      },
      endpoint: "GET /v2/users",
      withCursor: true,
      after: 1,
    });
    await expect(ctx.directory.sync!.run()).rejects.toThrow(/listing ended after 200 of the 450 records/);
    expect(ctx.repos.directory.state()!.gen).toBe(first.run.id);
    expect(ctx.repos.directory.count(first.run.id)).toBe(450);
  });

  it("a sync that lost its lock to another process stops before changing anything", async () => {
    const first = await ctx.directory.sync!.run();
    sim.org.addUser({ firstName: "Would", lastName: "Join" });
    sim.settings.latencyMs = 20;
    const running = ctx.directory.sync!.run();
    await new Promise((r) => setTimeout(r, 30));
    // Another process takes the lock over (as after an expired lease).
    ctx.db.$client.prepare("UPDATE locks SET holder = 'elsewhere/1/x'").run();
    await expect(running).rejects.toThrow(/lost its lock/);
    expect(ctx.repos.directory.state()!.gen).toBe(first.run.id);
    expect(ctx.repos.directory.count(first.run.id)).toBe(450);
  });

  it("a snapshot never moves backwards", async () => {
    const first = await ctx.directory.sync!.run();
    const second = await ctx.directory.sync!.run();
    expect(() =>
      ctx.repos.directory.makeCurrent(first.run.id, new Date(), {
        usersSeen: 0,
        changes: 0,
        counts: {},
        requestsUsed: 0,
      }),
    ).toThrow(/older than the current snapshot/);
    expect(ctx.repos.directory.state()!.gen).toBe(second.run.id);
  });
});
