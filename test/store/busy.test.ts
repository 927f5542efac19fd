import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { clockFrom } from "../../src/clock.js";
import { closeDatabase, openDatabase } from "../../src/store/db.js";
import { LocksRepo } from "../../src/store/locks.repo.js";

/**
 * A transaction that reads and then writes must take the write lock first (BEGIN IMMEDIATE). Begun
 * deferred, its upgrade fails at once with SQLITE_BUSY while another process writes: the busy timeout
 * never applies. CI once saw `gongops digest` fail that way ("busy … longer than the 15 s busy
 * timeout") while three other commands wrote to the same database.
 */
const dir = mkdtempSync(join(tmpdir(), "gongops-busy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Another process that holds the database's write lock for `ms`; resolves once it holds it. */
function holdWriteLock(path: string, ms: number): Promise<{ done: Promise<void> }> {
  const code = `
    const db = new (require("better-sqlite3"))(${JSON.stringify(path)});
    db.exec("BEGIN IMMEDIATE");
    process.stdout.write("held\\n");
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${ms});
    db.exec("COMMIT");
  `;
  const child = spawn(process.execPath, ["-e", code], {
    cwd: process.cwd(),
    stdio: ["ignore", "pipe", "inherit"],
  });
  const done = new Promise<void>((resolve, reject) =>
    child.on("exit", (c) => (c === 0 ? resolve() : reject(new Error(`holder exited ${c}`)))),
  );
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => d.toString().includes("held") && resolve({ done }));
    child.on("exit", (c) => reject(new Error(`holder exited ${c} before holding the lock`)));
  });
}

describe("transactions under another process's write lock", () => {
  it("a read-then-write transaction (a lease) waits for the lock instead of failing at once", async () => {
    const path = join(mkdtempSync(join(dir, "run-")), "g.db");
    const db = openDatabase(path);
    const locks = new LocksRepo(db, clockFrom(Date.parse("2026-12-04T12:00:00Z")));
    // Held long enough that, on a loaded machine too, the lock is still held when the lease asks.
    const holder = await holdWriteLock(path, 3_000);
    const started = performance.now();
    const lease = locks.acquire("inactive-user audit", 60_000, "test");
    expect(performance.now() - started).toBeGreaterThan(300);
    lease.release();
    await holder.done;
    await closeDatabase(db);
  });

  it("every transaction in src/ begins IMMEDIATE", () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith(".ts")) files.push(p);
      }
    };
    walk(join(process.cwd(), "src"));
    const deferred: string[] = [];
    for (const f of files.filter((f) => !f.endsWith(join("store", "db.ts")))) {
      const text = readFileSync(f, "utf8");
      // better-sqlite3's own transactions go through writeTransaction (src/store/db.ts, which is skipped).
      if (/\$client\.transaction\(/.test(text)) deferred.push(`${f}: $client.transaction(`);
      const drizzle = text.match(/\bdb\.transaction\(/g)?.length ?? 0;
      const immediate = text.match(/,\s*IMMEDIATE\)/g)?.length ?? 0;
      if (drizzle !== immediate) deferred.push(`${f}: ${drizzle} db.transaction(, ${immediate} IMMEDIATE`);
    }
    expect(deferred).toEqual([]);
  });
});
