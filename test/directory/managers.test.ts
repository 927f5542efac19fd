import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppContext } from "../../src/context.js";
import { managersInTurns, managersOf, nameTeller } from "../../src/directory/tellApart.js";
import { SimOrg } from "../../src/sim/org.js";
import type { GongSim } from "../../src/sim/server.js";
import { simContext } from "../helpers/context.js";
import { startSim } from "../helpers/gong.js";

/**
 * The managers an audit's CSV and Slack summary show (issue 22 §3): told apart from their active
 * namesakes, the namesakes of all of them counted at once. A query per manager scanned the snapshot
 * once each and held the event loop for over a second at 10,000 users.
 */
let sim: GongSim;
let ctx: AppContext;
const MANAGERS = 300;
const reports: { managerId: string | null }[] = [];

beforeAll(async () => {
  const org = new SimOrg({ domain: "acme.example" });
  for (let i = 0; i < MANAGERS; i++) {
    // Every tenth manager shares a name with the tenth after (0 and 10, 20 and 30, ...); some have an
    // inactive namesake, who does not count; a manager with no name at all keeps what displayName says.
    const shared = i % 10 === 0;
    const m =
      i === 7
        ? org.addUser({ firstName: "", lastName: "" })
        : org.addUser({
            firstName: shared ? "Vik" : `Léa${i}`,
            lastName: shared ? `Adams${Math.floor(i / 20)}` : "Côté",
          });
    if (i % 30 === 15) org.addUser({ firstName: `Lea${i}`, lastName: "Cote", active: false });
    reports.push({
      managerId: org.addUser({ firstName: `Report${i}`, lastName: "X", managerId: m.id }).managerId,
    });
  }
  reports.push({ managerId: null }, { managerId: "9999999999999999999" });
  sim = await startSim({ org });
  ctx = simContext(sim);
  await ctx.directory.sync!.run();
});
afterAll(async () => {
  await ctx?.close();
  await sim?.close();
});

/** Counts the statements SQLite is asked to prepare whose text matches `pattern`, while `fn` runs. */
function statements<T>(pattern: RegExp, fn: () => T): { result: T; count: number } {
  const client = (ctx.db as unknown as { $client: { prepare: (sql: string) => unknown } }).$client;
  const prepare = client.prepare;
  let count = 0;
  client.prepare = function (this: unknown, sql: string) {
    if (pattern.test(sql)) count++;
    return prepare.call(this, sql);
  };
  try {
    return { result: fn(), count };
  } finally {
    client.prepare = prepare;
  }
}

describe("the managers of a list of users", () => {
  it("tells each apart from the org's active namesakes, a shared name with the email", () => {
    const { directory } = ctx.repos;
    const managers = managersOf(directory, reports);
    expect(managers.size).toBe(MANAGERS);
    // The reference counts namesakes in memory, over the simulator's own people, not in SQL.
    const expected = nameTeller(sim.org.users().map((u) => ({ ...u, email: u.emailAddress })));
    const gen = directory.state()!.gen;
    for (const [id, m] of managers) {
      const row = directory.byIds(gen, [id])[0]!;
      expect(m).toEqual({ name: expected(row), email: row.email });
    }
    const told = [...managers.values()].filter((m) => m.name.includes("("));
    // 30 managers share 15 names pairwise: "Vik Adams0" (i = 0 and 10), and so on.
    expect(told.map((m) => m.name)).toContain(
      `Vik Adams0 (${[...managers.values()].find((m) => m.name.startsWith("Vik Adams0"))!.email})`,
    );
    expect(told.length).toBe(30);
    // An inactive namesake does not count: "Léa15 Côté" stays as it is.
    expect([...managers.values()].some((m) => m.name === "Léa15 Côté")).toBe(true);
  });

  it("counts the namesakes of all of them in one query, not one per manager", () => {
    const { count } = statements(/^(?=[\s\S]*count\(\*\))(?=[\s\S]*search_name)/, () =>
      managersOf(ctx.repos.directory, reports),
    );
    expect(count).toBe(1);
  });

  it("gives the same between turns of the event loop, as the app's audit CSV reads them", async () => {
    const { directory } = ctx.repos;
    expect(await managersInTurns(directory, reports)).toEqual(managersOf(directory, reports));
  });
});
