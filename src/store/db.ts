import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import { type BetterSQLite3Database, drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { GongopsError } from "../errors.js";
import * as schema from "./schema.js";

/**
 * Opening the database: pragmas in one place, migrations applied at start, and a database written by a
 * newer gongops refused instead of silently misread.
 */
export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/** drizzle/ sits beside src/ and dist/ alike. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../drizzle", import.meta.url));

export class DbNewerVersionError extends GongopsError {
  constructor(path: string, newest: number, ours: number) {
    super(
      "DB_NEWER_VERSION",
      `the database ${path} was written by a newer gongops (schema of ${new Date(newest).toISOString()}, this ` +
        `version knows up to ${new Date(ours).toISOString()}); upgrade gongops or set GONGOPS_DB_PATH to another file`,
    );
  }
}

function newestKnownMigration(): number {
  const journal = JSON.parse(readFileSync(`${MIGRATIONS_FOLDER}/meta/_journal.json`, "utf8")) as {
    entries: { when: number }[];
  };
  return Math.max(0, ...journal.entries.map((e) => e.when));
}

function refuseNewer(sqlite: Database.Database, path: string): void {
  const table = sqlite
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
    .get();
  if (!table) return;
  const row = sqlite
    .prepare("SELECT MAX(CAST(created_at AS INTEGER)) AS newest FROM __drizzle_migrations")
    .get() as {
    newest: number | null;
  };
  const ours = newestKnownMigration();
  if (row.newest !== null && row.newest > ours) throw new DbNewerVersionError(path, row.newest, ours);
}

/**
 * WAL checkpoints copy the log into the database file and fsync it: on a busy write they took 40-70 ms
 * here, inside whichever commit crossed the auto-checkpoint threshold, on the event loop. So file
 * databases turn auto-checkpointing off and a worker thread with its own connection checkpoints
 * (PASSIVE: it never blocks writers) twice a second instead.
 */
const CHECKPOINTER = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma("busy_timeout = 1000");
const tick = () => { try { db.pragma("wal_checkpoint(PASSIVE)"); } catch { /* busy: next tick */ } };
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on("message", () => { clearInterval(timer); tick(); db.close(); parentPort.close(); });
`;

const checkpointers = new WeakMap<Db, Worker>();

function startCheckpointer(db: Db, path: string): void {
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(CHECKPOINTER, {
    eval: true,
    workerData: { driver, path: resolve(path), intervalMs: 500 },
  });
  worker.unref();
  worker.on("error", () => db.$client.pragma("wal_autocheckpoint = 1000"));
  db.$client.pragma("wal_autocheckpoint = 0");
  checkpointers.set(db, worker);
}

/** Closes the database (and its checkpointer). */
export async function closeDatabase(db: Db): Promise<void> {
  const worker = checkpointers.get(db);
  if (worker) {
    const exited = new Promise((r) => worker.once("exit", r));
    worker.postMessage("stop");
    await exited;
  }
  if (db.$client.open) db.$client.close();
}

/** Opens (creating the folder if needed) and migrates. `:memory:` gives a private in-memory database. */
export function openDatabase(path: string): Db {
  const memory = path === ":memory:";
  if (!memory) {
    const dir = dirname(path);
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  }
  let sqlite: Database.Database;
  try {
    sqlite = new Database(path);
  } catch (error) {
    throw new GongopsError("DB_ERROR", `cannot open the database ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    if (!memory) sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma("busy_timeout = 5000");
    refuseNewer(sqlite, path);
    const db = drizzle({ client: sqlite, schema }) as Db;
    migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
    if (!memory) startCheckpointer(db, path);
    return db;
  } catch (error) {
    sqlite.close();
    throw error;
  }
}
