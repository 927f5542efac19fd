import { createHash } from "node:crypto";
import { type Clock, nowDate } from "../clock.js";
import { asCodedError } from "../errors.js";
import type { GongClient } from "../gong/client.js";
import { RequestMeter } from "../gong/http.js";
import type { GongUser } from "../gong/schemas.js";
import type { Logger } from "../log.js";
import { ChunkPacer, inChunks, readInPages, yieldToLoop } from "../pace.js";
import type { DirectoryRepo, NewDirectoryUser, SnapshotEntry } from "../store/directory.repo.js";
import { LeaseLostError, type LocksRepo } from "../store/locks.repo.js";
import type { ChangeRow, SyncRunRow, SyncRunsRepo } from "../store/syncRuns.repo.js";
import { type ComparableUser, countChanges, DirectoryDiff } from "./diff.js";
import { nameKey } from "./names.js";

/**
 * `gongops sync`: list every Gong user afresh (Gong has no webhooks, and cursors must never be kept
 * between runs), compare with the current snapshot, and make the new snapshot current together with its
 * changes only once the listing is complete. Until that one pointer moves, readers keep seeing the
 * previous snapshot; a sync that fails or dies halfway changes nothing they can see.
 */

export interface SyncProgress {
  phase: "listing" | "comparing" | "writing" | "done";
  done: number;
  total: number | null;
  requestsUsed: number;
}

export interface SyncResult {
  run: SyncRunRow;
  changes: ChangeRow[];
}

export interface SyncOptions {
  trigger?: string;
  onProgress?: (p: SyncProgress) => void;
  signal?: AbortSignal;
}

export interface DirectorySyncDeps {
  /** Lease length (GONGOPS_LEASE_SECONDS). */
  leaseMs?: number;
  gong: GongClient;
  directory: DirectoryRepo;
  runs: SyncRunsRepo;
  locks: LocksRepo;
  log: Logger;
  /** The one clock (src/clock.ts). */
  clock: Clock;
  /** Called once a new snapshot is current (the context warms the in-memory org index with it). */
  onCommitted?: () => void;
}

export const SYNC_LOCK = "directory sync";
/** Renewed every third of it; after a crash, the next process takes over once it runs out. */
const DEFAULT_LEASE_MS = 30_000;

function toSnapshotRow(u: GongUser, gen: number, firstSeenAt: string): NewDirectoryUser {
  const raw = JSON.stringify(u);
  return {
    id: u.id,
    validFrom: gen,
    email: u.emailAddress ? u.emailAddress.trim().toLowerCase() : null,
    firstName: u.firstName ?? null,
    lastName: u.lastName ?? null,
    title: u.title ?? null,
    active: u.active ?? null,
    managerId: u.managerId ?? null,
    created: u.created ?? null,
    searchName: nameKey(u),
    raw,
    rawHash: createHash("sha256").update(raw).digest("base64url"),
    firstSeenAt,
  };
}

function aliasesOf(u: GongUser): string[] {
  return [...(u.emailAliases ?? []), ...(u.trustedEmailAddress ? [u.trustedEmailAddress] : [])]
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
}

export class DirectorySync {
  private readonly now: () => Date;

  constructor(private readonly deps: DirectorySyncDeps) {
    this.now = () => nowDate(deps.clock);
  }

  /** The running sync, if one holds the lock (in this process or another). */
  running(): { since: Date; by: string } | null {
    const h = this.deps.locks.holderOf(SYNC_LOCK);
    return h ? { since: h.acquiredAt, by: h.note ?? h.holder } : null;
  }

  async run(options: SyncOptions = {}): Promise<SyncResult> {
    const { directory, runs, locks, log } = this.deps;
    const trigger = options.trigger ?? "cli";
    const lease = locks.acquire(SYNC_LOCK, this.deps.leaseMs ?? DEFAULT_LEASE_MS, `sync (${trigger})`);
    const meter = new RequestMeter();
    const startedAt = this.now();
    let runId: number | undefined;
    let seen = 0;
    const progress = (phase: SyncProgress["phase"], done: number, total: number | null) =>
      options.onProgress?.({ phase, done, total, requestsUsed: meter.total });
    try {
      await this.cleanup([]);
      runId = runs.start(trigger, startedAt);
      const gen = runId;

      // 1. The previous snapshot, read in keyset pages so that no read holds the loop for long.
      const before = await this.loadSnapshot();

      // 2. The complete listing, compared page by page as it arrives. Nothing is written until it is
      //    complete; what will be written is only what changed (new versions, and the ones they close).
      const seenAt = startedAt.toISOString();
      const diff = new DirectoryDiff(before);
      const writes: { close?: string; insert?: NewDirectoryUser }[] = [];
      const aliases = new Map<string, string[]>();
      const pager = this.deps.gong.listUsers({ meter, signal: options.signal });
      progress("listing", 0, null);
      for (let page = await pager.next(); page !== null; page = await pager.next()) {
        // A page arrives parsed and validated in one turn; comparing it waits for the next.
        await yieldToLoop();
        const rows = page.map((u) => toSnapshotRow(u, gen, before.get(u.id)?.firstSeenAt ?? seenAt));
        diff.add(rows as ComparableUser[]);
        for (const [i, row] of rows.entries()) {
          const was = before.get(row.id);
          if (was?.rawHash === row.rawHash) continue;
          if (was) writes.push({ close: row.id });
          writes.push({ insert: row });
          const a = aliasesOf(page[i]!);
          if (a.length) aliases.set(row.id, a);
        }
        seen += rows.length;
        progress("listing", seen, pager.totalRecords ?? null);
      }
      pager.ensureComplete();
      const changes = diff.finish();
      for (const c of changes) if (c.kind === "left") writes.push({ close: c.userId });
      await yieldToLoop();

      // 3. The changed versions and the change records, in chunks sized to stay well under ~50 ms each.
      //    None of it is visible before step 4: readers name the current snapshot, and these rows belong
      //    to the next one (new versions start at `gen`, closed ones end there).
      const pacer = new ChunkPacer(200);
      let written = 0;
      progress("writing", 0, writes.length);
      await inChunks(
        writes,
        (slice) => {
          options.signal?.throwIfAborted();
          if (!lease.held()) throw new LeaseLostError("directory sync");
          directory.write(gen, {
            close: slice.flatMap((w) => (w.close ? [w.close] : [])),
            insert: slice.flatMap((w) => (w.insert ? [w.insert] : [])),
            aliases,
          });
          written += slice.length;
          progress("writing", written, writes.length);
        },
        pacer,
      );
      await inChunks(
        changes,
        (slice) => {
          options.signal?.throwIfAborted();
          runs.insertChanges(gen, slice);
        },
        pacer,
      );

      // 4. The switch: one small transaction.
      const counts = countChanges(changes);
      options.signal?.throwIfAborted();
      if (!lease.held()) throw new LeaseLostError("directory sync");
      directory.makeCurrent(gen, this.now(), {
        usersSeen: seen,
        changes: changes.length,
        counts,
        requestsUsed: meter.total,
      });
      progress("done", seen, seen);
      this.deps.onCommitted?.();
      log.info("directory synced", {
        run: gen,
        users: seen,
        changes: changes.length,
        requests: meter.total,
      });
      return { run: runs.get(gen)!, changes };
    } catch (error) {
      const reason = asCodedError(error).message;
      if (runId !== undefined) {
        runs.fail(runId, reason, { usersSeen: seen, requestsUsed: meter.total }, this.now());
        log.warn("directory sync failed; the previous snapshot stays current", { run: runId, reason });
        await this.rollback(runId).catch(() => {});
      }
      throw error;
    } finally {
      lease.release();
    }
  }

  private async loadSnapshot(): Promise<Map<string, SnapshotEntry>> {
    const { directory } = this.deps;
    const state = directory.state();
    if (!state) return new Map();
    const rows = await readInPages(
      (after: string | null, n) => directory.page(state.gen, after ?? "", n),
      (r) => r.id,
    );
    return new Map(rows.map((r) => [r.id, r]));
  }

  /**
   * Tidies what interrupted syncs left: runs still marked "running" with no live lock become failed, and
   * what they wrote is rolled back, in chunks. Safe to call at any time by the lock holder (the sync
   * does, first thing).
   */
  async cleanup(keep: number[]): Promise<void> {
    const { directory, runs, log } = this.deps;
    const interrupted = runs.failInterrupted(keep, this.now());
    if (interrupted.length > 0) log.warn("marked interrupted syncs as failed", { runs: interrupted });
    // Runs that wrote versions, and failed runs whose change records outlived a rollback cut short.
    const gens = new Set([...directory.unfinishedGens(keep), ...runs.failedWithChanges()]);
    for (const gen of gens) await this.rollback(gen);
  }

  private async rollback(gen: number): Promise<void> {
    const { directory, runs } = this.deps;
    const pacer = new ChunkPacer(200);
    for (let touched = 1; touched > 0; )
      touched = (await pacer.run((n) => directory.rollbackChunk(gen, n))) ?? 0;
    for (let deleted = 1; deleted > 0; )
      deleted = (await pacer.run((n) => runs.deleteChangesChunk(gen, n))) ?? 0;
  }
}
