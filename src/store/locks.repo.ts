import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { and, eq } from "drizzle-orm";
import { GongopsError, LockHeldError } from "../errors.js";
import type { Db } from "./db.js";
import { locks } from "./schema.js";

/**
 * Named leases in SQLite: one sync (or audit) at a time, across every process sharing the database.
 * A lease renews itself on a timer for as long as its process lives (however long a Gong request or a
 * Retry-After takes); a lease whose holder died (kill -9) is taken over when it expires, or at once when
 * the holder was a process on this host that no longer exists. Work that commits checks `held()` first.
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

export function newHolderId(): string {
  return `${hostname()}/${process.pid}/${randomBytes(4).toString("hex")}`;
}

function holderIsDead(holder: string): boolean {
  const [host, pid] = holder.split("/");
  if (host !== hostname() || !pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

export class LocksRepo {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes the lease or throws LockHeldError naming who holds it and since when. */
  acquire(name: string, ttlMs: number, note?: string, holder = newHolderId()): Lease {
    const now = this.now();
    this.db.transaction((tx) => {
      const current = tx.select().from(locks).where(eq(locks.name, name)).get();
      if (current && Date.parse(current.expiresAt) > now && !holderIsDead(current.holder)) {
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
    });
    const mine = and(eq(locks.name, name), eq(locks.holder, holder));
    const renew = () =>
      this.db
        .update(locks)
        .set({ expiresAt: new Date(this.now() + ttlMs).toISOString() })
        .where(mine)
        .run().changes === 1;
    const timer = setInterval(renew, Math.max(1000, Math.floor(ttlMs / 3)));
    timer.unref();
    return {
      name,
      holder,
      renew,
      held: () => this.db.select({ holder: locks.holder }).from(locks).where(mine).get() !== undefined,
      release: () => {
        clearInterval(timer);
        this.db.delete(locks).where(mine).run();
      },
    };
  }

  /** Who holds `name` now, if anyone (an expired or dead holder counts as nobody). */
  holderOf(name: string): { holder: string; acquiredAt: Date; note: string | null } | null {
    const current = this.db.select().from(locks).where(eq(locks.name, name)).get();
    if (!current || Date.parse(current.expiresAt) <= this.now() || holderIsDead(current.holder)) return null;
    return { holder: current.holder, acquiredAt: new Date(current.acquiredAt), note: current.note };
  }
}
