import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { and, eq } from "drizzle-orm";
import { LockHeldError } from "../errors.js";
import type { Db } from "./db.js";
import { locks } from "./schema.js";

/**
 * Named leases in SQLite: one sync (or audit) at a time, across every process sharing the database.
 * A holder renews its lease while it works; a lease whose holder died (kill -9) is taken over when it
 * expires, or at once when the holder was a process on this host that no longer exists.
 */
export interface Lease {
  name: string;
  holder: string;
  renew(): void;
  release(): void;
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
    return {
      name,
      holder,
      renew: () => {
        this.db
          .update(locks)
          .set({ expiresAt: new Date(this.now() + ttlMs).toISOString() })
          .where(and(eq(locks.name, name), eq(locks.holder, holder)))
          .run();
      },
      release: () => {
        this.db
          .delete(locks)
          .where(and(eq(locks.name, name), eq(locks.holder, holder)))
          .run();
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
