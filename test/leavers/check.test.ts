import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppContext } from "../../src/context.js";
import { findLeavers, type SlackAccount } from "../../src/leavers/match.js";
import type { GongSim } from "../../src/sim/server.js";
import { simContext } from "../helpers/context.js";
import { startSim } from "../helpers/gong.js";

/**
 * A full leavers check in the app (issue 22 §3): the app checks after every sync, so the snapshot is
 * read and matched a page at a time with turns of the event loop between, where 10,000 people at once
 * held the loop (and every Slack ack) for hundreds of ms. Its answer is the one findLeavers gives for
 * everyone at once.
 */
let sim: GongSim;
let ctx: AppContext;
let accounts: SlackAccount[];

beforeAll(async () => {
  sim = await startSim({ orgOptions: { users: 2500, seed: 11 } });
  ctx = simContext(sim);
  await ctx.directory.sync!.run();
  const { directory } = ctx.repos;
  // A third of the people are in Slack, a third left it, a third were never there.
  accounts = directory.people(directory.state()!.gen).flatMap((p, i) =>
    p.email && i % 3 !== 2
      ? [
          {
            userId: `U${String(i).padStart(6, "0")}`,
            email: p.email,
            name: null,
            deleted: i % 3 === 1,
            bot: false,
            guest: false,
            updated: 1_767_225_600,
          },
        ]
      : [],
  );
  ctx.leavers.connect({ slack: { accounts: async () => accounts } });
});
afterAll(async () => {
  await ctx?.close();
  await sim?.close();
});

describe("a full leavers check", () => {
  it("reads the snapshot in pages and stores the check with turns of the event loop in between", async () => {
    const { directory, leavers } = ctx.repos;
    // A turn counter: it moves only when the check gives the loop back.
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const reads: number[] = [];
    const peopleAfter = directory.peopleAfter.bind(directory);
    directory.peopleAfter = (gen, after, limit) => {
      reads.push(turns);
      return peopleAfter(gen, after, limit);
    };
    const saveCheck = leavers.saveCheck.bind(leavers);
    let savedAt = -1;
    leavers.saveCheck = (tx, check) => {
      savedAt = turns;
      saveCheck(tx, check);
    };
    try {
      await ctx.leavers.check();
    } finally {
      ticking = false;
      directory.peopleAfter = peopleAfter;
      leavers.saveCheck = saveCheck;
    }
    expect(reads.length).toBeGreaterThan(1);
    for (let i = 1; i < reads.length; i++) expect(reads[i]).toBeGreaterThan(reads[i - 1]!);
    expect(savedAt).toBeGreaterThan(reads.at(-1)!);
  });

  it("finds what findLeavers finds for everyone at once", async () => {
    const view = await ctx.leavers.check();
    const { directory } = ctx.repos;
    const people = directory.people(directory.state()!.gen).map((p) => ({
      ...p,
      name: "",
    }));
    const expected = findLeavers(people, accounts, null);
    expect(expected.leavers.length).toBeGreaterThan(100);
    expect(expected.notInSlack.length).toBeGreaterThan(100);
    const ids = (xs: { id: string }[]) => xs.map((x) => x.id).sort();
    expect(ids(view.leavers)).toEqual(ids(expected.leavers));
    expect(ids(view.notInSlack)).toEqual(ids(expected.notInSlack));
    // In the order people read: by name, then id.
    const names = view.notInSlack.map((p) => p.name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
  });
});
