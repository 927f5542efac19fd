import type { LookupResult, UserCard } from "../../directory/lookup.service.js";
import { UsageError } from "../../errors.js";
import { type CommandCode, flag } from "../command.js";
import { grownWithGong, withCoreContext } from "../context.js";
import { activeLabel, day, table } from "../format.js";
import { printJson } from "../io.js";

function managerLine(u: UserCard): string {
  if (!u.manager) return "none";
  if (!u.manager.known) return `unknown (id ${u.manager.id} is not in the directory)`;
  return `${u.manager.name} (id ${u.manager.id})${u.manager.active === false ? " [inactive]" : ""}`;
}

export function renderLookup(r: LookupResult, activity?: string): string {
  const data = `data:      ${r.freshness.note}${r.freshness.stale && r.freshness.source === "snapshot" ? " [stale]" : ""}`;
  if (r.match === "one") {
    const u = r.user;
    return `${[
      `${u.name} <${u.email ?? "no email"}>`,
      `id:        ${u.id}`,
      `title:     ${u.title ?? "none"}`,
      `state:     ${activeLabel(u.active)}`,
      `manager:   ${managerLine(u)}`,
      `created:   ${day(u.created)}`,
      ...(u.emailAliases.length ? [`aliases:   ${u.emailAliases.join(", ")}`] : []),
      ...(activity ? [`activity:  ${activity}`] : []),
      data,
    ].join("\n")}\n`;
  }
  if (r.match === "many") {
    const rows = r.users.map((u) => ({
      id: u.id,
      name: u.name,
      email: u.email ?? "",
      title: u.title ?? "",
      state: activeLabel(u.active),
    }));
    const more =
      r.total > r.users.length ? `\n... and ${r.total - r.users.length} more: narrow the query` : "";
    return `${r.total} users match "${r.query}":\n${table(rows, ["id", "name", "email", "title", "state"])}${more}\n${data}\n`;
  }
  const hint = r.suggestions.length ? ` Did you mean: ${r.suggestions.join(", ")}?` : "";
  return `No Gong user matches "${r.query}".${hint}\n${data}\n`;
}

export const userCommand: CommandCode = {
  async run(args, io) {
    const query = args.positionals.join(" ");
    if (!query.trim()) throw new UsageError("say who to look up");
    // The directory answers from the database; Gong's client and the audit load only when asked.
    return withCoreContext(io, ["gong"], async (ctx) => {
      const result = await ctx.directory.lookup.find(query);
      const activity =
        result.match === "one"
          ? await (await grownWithGong(ctx)).audit.userActivityLine(result.user.id)
          : undefined;
      // Nobody matched: a failure, so the document says so in `error` (cli.ts), with the suggestions.
      const failed =
        result.match === "none"
          ? { error: { code: "NOT_FOUND", message: `no Gong user matches "${result.query}"` } }
          : {};
      if (flag(args, "json"))
        printJson(io, activity === undefined ? { ...failed, ...result } : { ...result, activity });
      else io.stdout(renderLookup(result, activity));
      return result.match === "none" ? 1 : 0;
    });
  },
};
