import { existsSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import Database from "better-sqlite3";
import { GongopsError, NotFoundError } from "../errors.js";
import type { Db } from "./db.js";

/**
 * An online, consistent copy of the database through SQLite's backup API (better-sqlite3's
 * `backup()`): the app keeps running and writing while it is made, and the copy is the database as it
 * was at one instant. (Copying the file is neither: the WAL holds what the file does not yet, and a
 * copy taken mid-write is torn.) The copy is written beside its destination and renamed into place
 * once checked, so a failed or interrupted backup never leaves a half-written file under that name.
 */
export interface BackupResult {
  file: string;
  bytes: number;
  pages: number;
}

export async function backupDatabase(db: Db, sourcePath: string, destination: string): Promise<BackupResult> {
  const file = resolve(destination);
  if (existsSync(file))
    throw new GongopsError("CONFLICT", `${destination} exists; a backup never overwrites a file`);
  if (sourcePath !== ":memory:" && file === resolve(sourcePath))
    throw new GongopsError("CONFLICT", "the backup must go to another file than the database itself");
  if (!existsSync(dirname(file))) throw new NotFoundError(`the folder ${dirname(file)} does not exist`);
  const partial = join(dirname(file), `.${basename(file)}.partial-${process.pid}`);
  try {
    const { totalPages } = await db.$client.backup(partial, {
      // After the first step, the rest in one: each step reads one consistent snapshot (under WAL a reader
      // never blocks the writers), and a write by another process between steps would restart the copy.
      progress: ({ remainingPages }) => Math.max(remainingPages, 100),
    });
    // One self-contained file (no -wal beside it), checked before it takes the name.
    const copy = new Database(partial);
    try {
      copy.pragma("journal_mode = DELETE");
      const check = copy.pragma("quick_check", { simple: true });
      if (check !== "ok") throw new Error(`the copy failed SQLite's check: ${String(check)}`);
    } finally {
      copy.close();
    }
    renameSync(partial, file);
    return { file, bytes: statSync(file).size, pages: totalPages };
  } finally {
    for (const leftover of [partial, `${partial}-wal`, `${partial}-shm`, `${partial}-journal`])
      rmSync(leftover, { force: true });
  }
}
