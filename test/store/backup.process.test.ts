import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, openDatabase } from "../../src/store/db.js";
import { runGongops } from "../helpers/process.js";

/**
 * `gongops backup` as a real process, beside another process that keeps writing: the copy is one
 * consistent instant of the database (no transaction half in it), checked, in one file.
 */
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
let dir: string;
let dbPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "gongops-backup-"));
  dbPath = join(dir, "gongops.db");
  const db = openDatabase(dbPath);
  // Enough pages that the copy is not instant, and a table the writer fills two rows per transaction.
  db.$client.exec("CREATE TABLE filler (x BLOB); CREATE TABLE pairs (id INTEGER PRIMARY KEY, batch INTEGER)");
  const fill = db.$client.prepare("INSERT INTO filler VALUES (randomblob(1024))");
  db.$client.transaction(() => {
    for (let i = 0; i < 20_000; i++) fill.run();
  })();
  await closeDatabase(db);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Another process writing pairs as fast as it can until told to stop; it reports its batches. */
function startWriter(path: string) {
  const script = `
    const Database = require("better-sqlite3");
    const db = new Database(${JSON.stringify(path)});
    db.pragma("busy_timeout = 15000");
    const add = db.prepare("INSERT INTO pairs (batch) VALUES (?)");
    const pair = db.transaction((b) => { add.run(b); add.run(b); });
    let batch = 0;
    let stop = false;
    process.on("message", () => { stop = true; });
    const loop = () => {
      for (let i = 0; i < 50 && !stop; i++) pair(++batch);
      process.send?.({ batch });
      if (stop) { db.close(); process.exit(0); } else setImmediate(loop);
    };
    loop();`;
  const child = spawn(process.execPath, ["-e", script], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let batches = 0;
  child.on("message", (m: { batch: number }) => {
    batches = m.batch;
  });
  return {
    batches: () => batches,
    async stop() {
      child.send("stop");
      await new Promise((resolve) => child.once("exit", resolve));
    },
  };
}

describe("gongops backup", () => {
  it("copies the database while another process writes: consistent, checked, one file", async () => {
    const writer = startWriter(dbPath);
    try {
      while (writer.batches() < 200) await new Promise((r) => setTimeout(r, 20));
      const before = writer.batches();
      const out = join(dir, "copy.db");
      const done = await runGongops(["backup", out, "--json"], { GONGOPS_DB_PATH: dbPath }, 60_000);
      const after = writer.batches();
      expect(done.code, done.stderr).toBe(0);
      expect(JSON.parse(done.stdout)).toMatchObject({ database: dbPath, file: out });
      // The writer never stopped for the backup.
      expect(after).toBeGreaterThan(before);

      expect(existsSync(`${out}-wal`)).toBe(false);
      const copy = new Database(out, { readonly: true });
      try {
        expect(copy.pragma("integrity_check", { simple: true })).toBe("ok");
        expect(copy.pragma("journal_mode", { simple: true })).toBe("delete");
        const { rows, batches, torn } = copy
          .prepare(
            "SELECT count(*) AS rows, count(DISTINCT batch) AS batches, " +
              "(SELECT count(*) FROM (SELECT batch FROM pairs GROUP BY batch HAVING count(*) <> 2)) AS torn FROM pairs",
          )
          .get() as { rows: number; batches: number; torn: number };
        // One instant: whole transactions only, at least what was there before the backup started.
        expect(torn).toBe(0);
        expect(rows).toBe(batches * 2);
        expect(batches).toBeGreaterThanOrEqual(before);
        expect(batches).toBeLessThanOrEqual(after + 50);
        expect((copy.prepare("SELECT count(*) AS n FROM filler").get() as { n: number }).n).toBe(20_000);
        expect(copy.prepare("SELECT count(*) AS n FROM __drizzle_migrations").get()).toMatchObject({
          n: expect.any(Number),
        });
      } finally {
        copy.close();
      }
    } finally {
      await writer.stop();
    }
  }, 90_000);

  it("never overwrites a file, and says so in one line", async () => {
    const taken = join(dir, "taken.db");
    writeFileSync(taken, "keep me");
    const done = await runGongops(["backup", taken], { GONGOPS_DB_PATH: dbPath });
    expect(done.code).toBe(1);
    expect(done.stderr.trim()).toBe(`gongops backup: ${taken} exists; a backup never overwrites a file`);
    expect(readFileSync(taken, "utf8")).toBe("keep me");
  }, 30_000);
});

describe("a database migrated by a newer gongops", () => {
  it("an older gongops says so in one line and exits 2", async () => {
    const path = join(dir, "newer.db");
    const db = openDatabase(path);
    db.$client
      .prepare("INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('from-the-future', ?)")
      .run(Date.now() + 365 * 86_400_000);
    await closeDatabase(db);
    for (const args of [
      ["jobs", "list"],
      ["backup", join(dir, "newer-copy.db")],
    ]) {
      const done = await runGongops(args, { GONGOPS_DB_PATH: path });
      expect(done.code, done.stderr).toBe(2);
      const lines = done.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(`^gongops ${args[0]}: the database .* was written by a newer gongops .*; upgrade gongops`),
      );
    }
  }, 30_000);
});
