import { and, asc, eq } from "drizzle-orm";
import type { Db } from "./db.js";
import { exemptions } from "./schema.js";

export type ExemptionRow = typeof exemptions.$inferSelect;

/** The audit's exempt list (`gongops exempt add|remove|list`). */
export class ExemptionsRepo {
  constructor(private readonly db: Db) {}

  list(): ExemptionRow[] {
    return this.db.select().from(exemptions).orderBy(asc(exemptions.kind), asc(exemptions.value)).all();
  }

  /** Adds a rule; returns false when the same rule is already on the list. */
  add(
    rule: { kind: ExemptionRow["kind"]; value: string; reason?: string | null; createdBy?: string | null },
    at: Date,
  ): boolean {
    const result = this.db
      .insert(exemptions)
      .values({
        ...rule,
        reason: rule.reason ?? null,
        createdBy: rule.createdBy ?? null,
        createdAt: at.toISOString(),
      })
      .onConflictDoNothing()
      .run();
    return result.changes > 0;
  }

  /** Removes a rule; returns false when it was not on the list. */
  remove(kind: ExemptionRow["kind"], value: string): boolean {
    return (
      this.db
        .delete(exemptions)
        .where(and(eq(exemptions.kind, kind), eq(exemptions.value, value)))
        .run().changes > 0
    );
  }
}
