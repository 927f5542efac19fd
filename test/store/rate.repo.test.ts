import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_SLACK_MS, MemoryRateWindow, type RateWindowStore } from "../../src/gong/limiter.js";
import { closeDatabase, type Db, openDatabase } from "../../src/store/db.js";
import { SqliteRateWindow } from "../../src/store/rate.repo.js";

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});
function open(path = ":memory:"): Db {
  const db = openDatabase(path);
  cleanup.push(() => closeDatabase(db));
  return db;
}

// The same rule, whichever store holds it.
const stores: [string, () => RateWindowStore][] = [
  ["memory", () => new MemoryRateWindow()],
  ["sqlite", () => new SqliteRateWindow(open())],
];

describe.each(stores)("the %s rate window", (_name, make) => {
  it("admits `limit` starts, then says how long until the first one's hold ends", () => {
    const w = make();
    expect(w.claim("a", 1000, 1050, 3, 0)).toBe(0);
    expect(w.claim("a", 1100, 1050, 3, 0)).toBe(0);
    expect(w.claim("a", 1200, 1050, 3, 0)).toBe(0);
    expect(w.claim("a", 1300, 1050, 3, 0)).toBe(1000 + 1050 - 1300);
    // The first start still occupies its second plus the margin at 2049 ms...
    expect(w.claim("a", 2049, 1050, 3, 0)).toBe(1);
    // ...and frees it at 2050.
    expect(w.claim("a", 2050, 1050, 3, 0)).toBe(0);
    expect(w.claim("a", 2050, 1050, 3, 0)).toBe(2100 + 50 - 2050);
  });

  it("counts earlier starts for `slack` ms longer, as the claimer asks", () => {
    const w = make();
    for (const t of [0, 10, 20]) expect(w.claim("a", t, 1050, 3, 0)).toBe(0);
    expect(w.claim("a", 1060, 1050, 3, 120)).toBe(1050 + 120 - 1060);
    expect(w.claim("a", 1060, 1050, 3, 0)).toBe(0);
  });

  it("keeps companies apart", () => {
    const w = make();
    expect(w.claim("a", 0, 1050, 1, 0)).toBe(0);
    expect(w.claim("a", 1, 1050, 1, 0)).toBe(1049);
    expect(w.claim("b", 1, 1050, 1, 0)).toBe(0);
  });

  it("honours a longer hold recorded by another claimer (a margin widened after a 429)", () => {
    const w = make();
    expect(w.claim("a", 0, 1200, 1, 0)).toBe(0);
    expect(w.claim("a", 1100, 1050, 1, 0)).toBe(100);
  });

  it("adopts the longest hold still in the window, so a widened margin holds for every claimer", () => {
    const w = make();
    expect(w.claim("a", 0, 1200, 2, 0)).toBe(0);
    // Claimed with 1050, but held 1200 because the first start (still in the window) was.
    expect(w.claim("a", 100, 1050, 2, 0)).toBe(0);
    expect(w.claim("a", 1250, 1050, 2, 0)).toBe(0);
    expect(w.claim("a", 1250, 1050, 2, 0)).toBe(1300 - 1250);
    // Once the long holds have left the window, a claimer's own hold applies again.
    expect(w.claim("a", 2450, 1050, 1, 0)).toBe(0);
    expect(w.claim("a", 3499, 1050, 1, 0)).toBe(1);
  });

  it(`forgets starts once they ended more than ${MAX_SLACK_MS} ms ago`, () => {
    const w = make();
    for (let i = 0; i < 50; i++) expect(w.claim("a", i * 2000, 1050, 1, MAX_SLACK_MS)).toBe(0);
  });
});

describe("the SQLite rate window across connections", () => {
  it("two connections to one file (two processes) never admit more than the limit together", () => {
    const dir = mkdtempSync(join(tmpdir(), "gongops-rate-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, "gongops.db");
    const a = new SqliteRateWindow(open(path));
    const b = new SqliteRateWindow(open(path));
    const starts: number[] = [];
    // Alternate claims from both at 1 ms steps over 5 s.
    for (let t = 0; t < 5000; t++) {
      for (const w of t % 2 === 0 ? [a, b] : [b, a]) if (w.claim("co", t, 1050, 3, 0) === 0) starts.push(t);
    }
    for (let i = 3; i < starts.length; i++) expect(starts[i]! - starts[i - 3]!).toBeGreaterThanOrEqual(1050);
    expect(starts.length).toBe(3 * 5);
  });

  it("prunes its table as it goes", () => {
    const db = open();
    const w = new SqliteRateWindow(db);
    for (let i = 0; i < 200; i++) w.claim("co", i * 100, 1050, 3, 0);
    const { n } = db.$client.prepare("SELECT COUNT(*) AS n FROM gong_rate_window").get() as { n: number };
    expect(n).toBeLessThanOrEqual(3 + 6);
  });
});
