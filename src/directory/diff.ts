import type { OrgNode } from "../store/directory.repo.js";
import type { ChangeKind, ChangeRow } from "../store/syncRuns.repo.js";
import { displayName } from "./names.js";

/**
 * What changed between two complete listings. The sync feeds the fresh listing in slices (so that a
 * 50,000-user comparison never holds the event loop) and stores what `finish()` returns. "left" means
 * missing from a complete listing; a partial listing never gets this far.
 */
export type ComparableUser = OrgNode;

export class DirectoryDiff {
  private readonly changes: ChangeRow[] = [];
  private readonly present = new Set<string>();

  constructor(private readonly before: ReadonlyMap<string, ComparableUser>) {}

  private push(u: ComparableUser, kind: ChangeKind, before: string | null, after: string | null): void {
    this.changes.push({ userId: u.id, kind, before, after, name: displayName(u) });
  }

  add(slice: readonly ComparableUser[]): void {
    for (const now of slice) {
      this.present.add(now.id);
      const was = this.before.get(now.id);
      if (!was) {
        this.push(now, "joined", null, now.email);
        continue;
      }
      if (was.active !== false && now.active === false)
        this.push(now, "deactivated", String(was.active), "false");
      if (was.active === false && now.active === true) this.push(now, "reactivated", "false", "true");
      if (was.managerId !== now.managerId) this.push(now, "manager_changed", was.managerId, now.managerId);
      if (was.email !== now.email) this.push(now, "email_changed", was.email, now.email);
      if ((was.title ?? null) !== (now.title ?? null)) this.push(now, "title_changed", was.title, now.title);
    }
  }

  finish(): ChangeRow[] {
    for (const was of this.before.values())
      if (!this.present.has(was.id)) this.push(was, "left", was.email, null);
    return this.changes;
  }
}

export function countChanges(changes: readonly ChangeRow[]): Record<ChangeKind, number> {
  const counts: Record<ChangeKind, number> = {
    joined: 0,
    left: 0,
    deactivated: 0,
    reactivated: 0,
    manager_changed: 0,
    email_changed: 0,
    title_changed: 0,
  };
  for (const c of changes) counts[c.kind]++;
  return counts;
}
