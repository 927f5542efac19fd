import { randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import type { Clock } from "../clock.js";
import { GongopsError, LockHeldError } from "../errors.js";
import { type Db, IMMEDIATE } from "./db.js";
import { PROCESS_OWNER_ID } from "./owner.js";
import { locks } from "./schema.js";

/**
 * Named leases in SQLite: one sync (or audit) at a time, across every process sharing the database.
 * A lease renews itself on a timer for as long as its process lives (however long a Gong request or a
 * Retry-After takes); a lease whose holder died (kill -9) is taken over when it expires, and only then:
 * liveness is judged by expiry alone, never by host name and pid (in a container node is PID 1 under
 * the same host name after every restart). A process that exits (even on a second Ctrl-C) releases its
 * leases on the way out. Work that commits checks `held()` first.
 */
export interface Lease {
  name: string;
  holder: string;
  /** Extends the lease now; false when it was lost (taken over after expiring). */
  renew(): boolean;
  /** Still ours? (Read from the database, so it sees a takeover by another process.) */
  held(): boolean;
  release(): void;
}

export class LeaseLostError extends GongopsError {
  constructor(name: string) {
    super("LOCK_HELD", `the ${name} lost its lock to another process and stopped; nothing it did is kept`);
  }
}

/** The process's owner id plus a per-lease suffix: two leases of one process are still told apart. */
export function newHolderId(): string {
  return `${PROCESS_OWNER_ID}/${randomBytes(4).toString("hex")}`;
}

/** Leases this process holds, released synchronously if it exits before releasing them itself. */
const heldHere = new Set<() => void>();
let exitHookInstalled = false;
function releaseOnExit(release: () => void): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const r of heldHere) {
        try {
          r();
        } catch {
          // The database may already be closed; the lease then simply expires.
        }
      }
    });
  }
  heldHere.add(release);
}

export class LocksRepo {
  constructor(
    private readonly db: Db,
    private readonly clock: Pick<Clock, "now">,
  ) {}

  /** Takes the lease or throws LockHeldError naming who holds it and since when. */
  acquire(name: string, ttlMs: number, note?: string, holder = newHolderId()): Lease {
    const now = this.clock.now();
    this.db.transaction((tx) => {
      const current = tx.select().from(locks).where(eq(locks.name, name)).get();
      if (current && Date.parse(current.expiresAt) > now) {
        throw new LockHeldError(name, current.note ?? current.holder, new Date(current.acquiredAt));
      }
      const row = {
        name,
        holder,
        acquiredAt: new Date(now).toISOString(),
        expiresAt: new Date(now + ttlMs).toISOString(),
        note: note ?? null,
      };
      tx.insert(locks).values(row).onConflictDoUpdate({ target: locks.name, set: row }).run();
    }, IMMEDIATE);
    const mine = and(eq(locks.name, name), eq(locks.holder, holder));
    const renew = () =>
      this.db
        .update(locks)
        .set({ expiresAt: new Date(this.clock.now() + ttlMs).toISOString() })
        .where(mine)
        .run().changes === 1;
    const timer = setInterval(renew, Math.max(1000, Math.floor(ttlMs / 3)));
    timer.unref();
    const release = () => {
      clearInterval(timer);
      heldHere.delete(release);
      if (this.db.$client.open) this.db.delete(locks).where(mine).run();
    };
    releaseOnExit(release);
    return {
      name,
      holder,
      renew,
      held: () => this.db.select({ holder: locks.holder }).from(locks).where(mine).get() !== undefined,
      release,
    };
  }

  /** Who holds `name` now, if anyone (an expired lease counts as nobody), and until when. */
  holderOf(name: string): { holder: string; acquiredAt: Date; expiresAt: Date; note: string | null } | null {
    const current = this.db.select().from(locks).where(eq(locks.name, name)).get();
    if (!current || Date.parse(current.expiresAt) <= this.clock.now()) return null;
    return {
      holder: current.holder,
      acquiredAt: new Date(current.acquiredAt),
      expiresAt: new Date(current.expiresAt),
      note: current.note,
    };
  }
}
