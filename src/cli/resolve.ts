import type { CoreContext } from "../coreContext.js";
import type { LookupResult } from "../directory/lookup.service.js";

/** Turns a query into exactly one Gong user id, or says plainly why it cannot (lookup.service.ts). */
export function resolveOne(ctx: CoreContext, query: string): Promise<{ id: string; lookup: LookupResult }> {
  return ctx.directory.lookup.resolveOne(query);
}
