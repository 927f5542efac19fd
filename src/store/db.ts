import { mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { type BetterSQLite3Database, drizzle } from "drizzle-orm/better-sqlite3";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { GongopsError } from "../errors.js";
import * as schema from "./schema.js";

/**
 * How long a statement waits for another process's write lock. Every write here is short, but on a
 * shared, loaded machine a process holding the lock can be descheduled, and SQLite's busy handler is
 * not fair to the waiters: 5 s failed a CLI command beside ten others started at once in a full test
 * run. A holder that is really stuck still ends in the plain "is busy" message, later.
 */
const BUSY_TIMEOUT_MS = 15_000;

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
 * Closes the database. WAL checkpoints are SQLite's own (every 1,000 pages): a checkpoint worker thread
 * was measured against them (`npm run bench:sync`, 5,000 and 50,000 users) and bought nothing (longest
 * loop stall 31.8 vs 31.3 ms and 49.0 vs 45.2 ms), while awaiting its exit once made every CLI command
 * exit 13. Async so that callers need not change if closing ever has work to wait for.
 */
export async function closeDatabase(db: Db): Promise<void> {
  if (db.$client.open) db.$client.close();
}

/**
 * SQLite's failures in one plain line that names the file, for every face. better-sqlite3 throws
 * SqliteError with `code` SQLITE_*; node's fs throws with E* codes.
 */
const DB_PROBLEMS: Record<string, string> = {
  SQLITE_NOTADB: "is not a gongops database (not SQLite, or encrypted)",
  SQLITE_CORRUPT:
    "is damaged (SQLite reports corruption); restore a backup or point GONGOPS_DB_PATH elsewhere",
  SQLITE_READONLY: "is read-only; gongops needs to write to it (check the file and folder permissions)",
  SQLITE_CANTOPEN: "cannot be opened (is it a folder, or is its folder missing or not writable?)",
  SQLITE_PERM: "cannot be opened: permission denied",
  SQLITE_IOERR: "could not be read or written (disk I/O error)",
  SQLITE_FULL: "cannot grow: the disk is full",
  SQLITE_BUSY: `is busy: another process held it for longer than the ${BUSY_TIMEOUT_MS / 1000} s busy timeout`,
  SQLITE_LOCKED: "is locked by another connection",
  EACCES: "cannot be created: permission denied",
  EPERM: "cannot be created: permission denied",
  EROFS: "cannot be created: the file system is read-only",
  ENOTDIR: "cannot be created: a part of its path is a file, not a folder",
  EISDIR: "is a folder, not a file",
  ENOENT: "cannot be created: its folder cannot be made there",
  ENOSPC: "cannot be created: the disk is full",
};

export class DbError extends GongopsError {
  constructor(
    readonly path: string,
    readonly reason: string,
    cause?: unknown,
  ) {
    super("DB_ERROR", `the database ${path} ${reason}`, { cause });
  }
}

/** The plain reason for a SQLite or file-system error code, or null when it is not one we know. */
export function dbProblem(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return null;
  // Extended codes (SQLITE_READONLY_DIRECTORY, SQLITE_IOERR_WRITE, ...) share their primary's reason.
  return DB_PROBLEMS[code] ?? DB_PROBLEMS[code.split("_").slice(0, 2).join("_")] ?? null;
}

/**
 * better-sqlite3's transaction, always BEGIN IMMEDIATE. A deferred transaction that reads first and
 * then writes asks for the write lock while it already holds a read snapshot; when another process
 * holds the write lock at that moment, SQLite fails at once with SQLITE_BUSY instead of waiting
 * (the busy handler is not called for that upgrade, to avoid a deadlock). IMMEDIATE takes the write
 * lock first, so the busy timeout applies. Every transaction in gongops is one of these, or drizzle's
 * `transaction(fn, IMMEDIATE)`; `test/store/busy.test.ts` holds that.
 */
export function writeTransaction<A extends unknown[], R>(
  sqlite: Database.Database,
  fn: (...args: A) => R,
): (...args: A) => R {
  const tx = sqlite.transaction(fn);
  return (...args) => tx.immediate(...args);
}

/** drizzle's transaction config for BEGIN IMMEDIATE (see `writeTransaction`). */
export const IMMEDIATE = { behavior: "immediate" } as const;

/** True for failures that go away by waiting (another process holds the write lock). */
export function isDbBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "SQLITE_BUSY" || code === "SQLITE_LOCKED" || code === "SQLITE_BUSY_SNAPSHOT";
}

function asDbError(path: string, error: unknown): DbError | unknown {
  if (error instanceof GongopsError) return error;
  const reason = dbProblem(error);
  return reason ? new DbError(path, reason, error) : error;
}

/**
 * Creates the database's folder one level at a time. (`mkdirSync(..., { recursive: true })` under /proc
 * spins at 100% CPU forever on Node 20; walking up to the nearest existing folder cannot.)
 */
function ensureFolder(path: string): void {
  const missing: string[] = [];
  let dir = resolve(dirname(path));
  for (;;) {
    let stat: ReturnType<typeof statSync> | undefined;
    try {
      stat = statSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    if (stat) {
      if (!stat.isDirectory()) throw Object.assign(new Error(`${dir} is a file`), { code: "ENOTDIR" });
      break;
    }
    missing.unshift(dir);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const d of missing) mkdirSync(d);
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
    throw Object.assign(new Error(`${path} is a folder`), { code: "EISDIR" });
  }
}

/**
 * Applies drizzle's migrations under one write lock. drizzle's own migrator reads which migrations ran
 * before it takes the lock, so processes started together on a new file each decided to create every
 * table, and all but one failed with "table already exists". Here the check happens inside
 * BEGIN IMMEDIATE: the second process waits (busy timeout), then finds the work done.
 */
function applyMigrations(sqlite: Database.Database): void {
  const migrations = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
  // Up to date (every start but the first after an upgrade): no write lock at all. Processes started
  // together on a busy machine otherwise queued behind each other's lock, past the busy timeout.
  if (lastMigration(sqlite) >= Math.max(0, ...migrations.map((m) => m.folderMillis))) return;
  sqlite.exec("BEGIN IMMEDIATE");
  try {
    sqlite.exec(
      "CREATE TABLE IF NOT EXISTS __drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)",
    );
    const last = sqlite
      .prepare("SELECT created_at FROM __drizzle_migrations ORDER BY created_at DESC LIMIT 1")
      .get() as { created_at: number | string } | undefined;
    const record = sqlite.prepare("INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)");
    for (const m of migrations) {
      if (last && Number(last.created_at) >= m.folderMillis) continue;
      for (const statement of m.sql) if (statement.trim()) sqlite.exec(statement);
      record.run(m.hash, m.folderMillis);
    }
    sqlite.exec("COMMIT");
  } catch (error) {
    if (sqlite.inTransaction) sqlite.exec("ROLLBACK");
    throw error;
  }
}

/** When the newest applied migration was made (0: none yet), read without taking the write lock. */
function lastMigration(sqlite: Database.Database): number {
  const table = sqlite
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
    .get();
  if (!table) return 0;
  const last = sqlite
    .prepare("SELECT created_at FROM __drizzle_migrations ORDER BY created_at DESC LIMIT 1")
    .get() as { created_at: number | string } | undefined;
  return last ? Number(last.created_at) : 0;
}

/** Opens (creating the folder if needed) and migrates. `:memory:` gives a private in-memory database. */
export function openDatabase(path: string): Db {
  const memory = path === ":memory:";
  let sqlite: Database.Database;
  try {
    if (!memory) ensureFolder(path);
    sqlite = new Database(path);
  } catch (error) {
    throw asDbError(path, error);
  }
  try {
    // The busy timeout first: switching a new file to WAL takes a lock that a process started at the
    // same moment may hold.
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!memory) sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("foreign_keys = ON");
    refuseNewer(sqlite, path);
    applyMigrations(sqlite);
    return drizzle({ client: sqlite, schema }) as Db;
  } catch (error) {
    sqlite.close();
    throw asDbError(path, error);
  }
}
