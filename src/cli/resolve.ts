import type { AppContext } from "../context.js";
import type { LookupResult } from "../directory/lookup.service.js";
import { NotFoundError, UsageError } from "../errors.js";

/** Turns a query into exactly one Gong user id, or says plainly why it cannot. */
export async function resolveOne(
  ctx: AppContext,
  query: string,
): Promise<{ id: string; lookup: LookupResult }> {
  const lookup = await ctx.directory.lookup.find(query);
  if (lookup.match === "one") return { id: lookup.user.id, lookup };
  if (lookup.match === "many") {
    const names = lookup.users.map((u) => `${u.name} <${u.email ?? "no email"}> (id ${u.id})`).join("; ");
    throw new UsageError(
      `"${query}" matches ${lookup.total} users: ${names}${lookup.total > lookup.users.length ? "; ..." : ""}. ` +
        "Use an id or an email.",
    );
  }
  const hint = lookup.suggestions.length ? ` Did you mean: ${lookup.suggestions.join(", ")}?` : "";
  throw new NotFoundError(`no Gong user matches "${query}".${hint}`);
}
