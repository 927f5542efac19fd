import type { Clock } from "../clock.js";
/**
 * Live Gong lookups a member who is not an admin may cause: a few per user per window. Every member can
 * run /gong user, and each live answer (a fresh record for a stale snapshot, an id not in it) is a Gong
 * request from the company's shared budget; past this, members get the snapshot with its date.
 * Whole-directory syncs are admin work and never run for a member's lookup.
 */
export class LiveLookupBudget {
  private readonly used = new Map<string, number[]>();

  constructor(
    private readonly perWindow = 10,
    private readonly windowMs = 10 * 60_000,
    private readonly clock: Pick<Clock, "now">,
  ) {}

  /** Takes one live lookup for `userId`; false when they have used their share for now. */
  take(userId: string): boolean {
    const t = this.clock.now();
    const recent = (this.used.get(userId) ?? []).filter((at) => t - at < this.windowMs);
    if (recent.length >= this.perWindow) {
      this.used.set(userId, recent);
      return false;
    }
    recent.push(t);
    this.used.set(userId, recent);
    return true;
  }
}
