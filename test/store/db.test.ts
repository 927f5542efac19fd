import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { OPEN_STATES } from "../../src/approvals/states.js";
import { LockHeldError } from "../../src/errors.js";
import { SqliteBudgetStore } from "../../src/store/budget.repo.js";
import { closeDatabase, DbNewerVersionError, openDatabase } from "../../src/store/db.js";
import { LocksRepo } from "../../src/store/locks.repo.js";
import { PROCESS_OWNER_ID } from "../../src/store/owner.js";
import { OPEN_STATES as OPEN_SUBJECT_STATES } from "../../src/store/schema.js";

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "gongops-db-"));
  dirs.push(d);
  return d;
}

describe("openDatabase", () => {
  it("creates the folder, runs the migrations and sets the pragmas", async () => {
    const path = join(tempDir(), "nested", "deeper", "gongops.db");
    const db = openDatabase(path);
    const tables = db.$client.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as {
      name: string;
    }[];
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(["directory_users", "sync_runs", "gong_budget"]),
    );
    expect(db.$client.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.$client.pragma("foreign_keys", { simple: true })).toBe(1);
    await closeDatabase(db);
    // Opening again applies nothing twice.
    await closeDatabase(openDatabase(path));
  });

  it("refuses a database written by a newer gongops, with a clear message", async () => {
    const path = join(tempDir(), "gongops.db");
    const db = openDatabase(path);
    db.$client
      .prepare("INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('future', ?)")
      .run(Date.now() + 10 ** 10);
    await closeDatabase(db);
    expect(() => openDatabase(path)).toThrow(DbNewerVersionError);
    expect(() => openDatabase(path)).toThrow(/written by a newer gongops/);
  });
});

describe("the schema's housekeeping", () => {
  it("a request's trail and a person's subjects are read through an index, not a scan", async () => {
    const db = openDatabase(":memory:");
    const plan = (query: string) =>
      (db.$client.prepare(`EXPLAIN QUERY PLAN ${query}`).all() as { detail: string }[])
        .map((r) => r.detail)
        .join("; ");
    expect(plan("SELECT * FROM approval_trail WHERE request_id = 1")).toMatch(
      /USING INDEX approval_trail_request/,
    );
    expect(plan("SELECT * FROM approval_subjects WHERE user_id = '42'")).toMatch(
      /USING INDEX approval_subjects_user/,
    );
    await closeDatabase(db);
  });

  it("the open states are one list: the database's one-open-request index covers exactly them", async () => {
    const db = openDatabase(":memory:");
    const { sql } = db.$client
      .prepare("SELECT sql FROM sqlite_master WHERE name = 'approval_subjects_one_open'")
      .get() as { sql: string };
    const inIndex = /state IN \(([^)]*)\)/
      .exec(sql)![1]!
      .split(",")
      .map((s) => s.trim().replace(/'/g, ""));
    expect(inIndex).toEqual([...OPEN_STATES]);
    expect(OPEN_STATES).toBe(OPEN_SUBJECT_STATES);
    await closeDatabase(db);
  });
});

describe("the daily budget store", () => {
  it("counts per company and day, and survives reopening the database", async () => {
    const path = join(tempDir(), "gongops.db");
    const first = openDatabase(path);
    const store = new SqliteBudgetStore(first);
    expect(store.add("acme", "2026-11-26", 1)).toBe(1);
    expect(store.add("acme", "2026-11-26", 2)).toBe(3);
    expect(store.add("other", "2026-11-26", 1)).toBe(1);
    await closeDatabase(first);
    const db = openDatabase(path);
    const second = new SqliteBudgetStore(db);
    expect(second.used("acme", "2026-11-26")).toBe(3);
    expect(second.used("acme", "2026-11-27")).toBe(0);
    await closeDatabase(db);
  });
});

describe("locks", () => {
  it("refuses a second holder until the first releases or its lease expires", () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const locks = new LocksRepo(openDatabase(":memory:"), { now: () => now });
    const a = locks.acquire("sync", 60_000, "first");
    expect(() => locks.acquire("sync", 60_000, "second")).toThrow(LockHeldError);
    a.release();
    const b = locks.acquire("sync", 60_000, "second");
    now += 61_000;
    expect(locks.holderOf("sync")).toBeNull();
    locks.acquire("sync", 60_000, "third");
    b.release(); // releasing a lease someone else took over changes nothing
    expect(locks.holderOf("sync")?.note).toBe("third");
  });

  it("judges a lease by its expiry alone, never by host name and pid", () => {
    // In a container node is PID 1 under the same host name after every restart: a holder that looks
    // like "this host, a pid that is gone" (or "this host, my own pid") proves nothing either way.
    let now = Date.parse("2026-01-01T00:00:00Z");
    const locks = new LocksRepo(openDatabase(":memory:"), { now: () => now });
    locks.acquire("sync", 60_000, "before the restart", `${hostname()}/999999/x`);
    expect(locks.holderOf("sync")?.note).toBe("before the restart");
    expect(() => locks.acquire("sync", 60_000, "after the restart")).toThrow(LockHeldError);
    now += 60_001;
    expect(locks.acquire("sync", 60_000, "after the restart").holder).toContain(PROCESS_OWNER_ID);
  });
});
