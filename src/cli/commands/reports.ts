import type { Reports, ReportTree } from "../../directory/hierarchy.service.js";
import { NotFoundError, UsageError } from "../../errors.js";
import { type CommandCode, flag, intOption } from "../command.js";
import { withCoreContext } from "../context.js";
import { printJson } from "../io.js";
import { resolveOne } from "../resolve.js";
import { personLine } from "./chain.js";

export function renderReports(r: Reports, maxLines = 200): string {
  const lines: string[] = [personLine(r.tree.user)];
  let hidden = 0;
  const walk = (t: ReportTree, indent: string) => {
    t.reports.forEach((child, i) => {
      const last = i === t.reports.length - 1;
      if (lines.length < maxLines) lines.push(`${indent}${last ? "└ " : "├ "}${personLine(child.user)}`);
      else hidden++;
      walk(child, `${indent}${last ? "  " : "│ "}`);
    });
    if (t.hiddenReports && lines.length < maxLines)
      lines.push(`${indent}… ${t.hiddenReports} more below this depth`);
  };
  walk(r.tree, "");
  if (hidden) lines.push(`… ${hidden} more not shown (use --depth or --json)`);
  lines.push(
    "",
    ...r.levels.map(
      (l) =>
        `level ${l.level}: ${l.count} report${l.count === 1 ? "" : "s"}${l.inactive ? `, ${l.inactive} inactive` : ""}`,
    ),
    `total: ${r.total} (${r.inactive} inactive)`,
  );
  return `${lines.join("\n")}\n`;
}

export const reportsCommand: CommandCode = {
  async run(args, io) {
    const query = args.positionals.join(" ");
    if (!query.trim()) throw new UsageError("say whose reports to show");
    const depth = args.values.depth === undefined ? null : intOption(args, "depth", 1, 1, 1000);
    return withCoreContext(io, ["gong"], async (ctx) => {
      const { id } = await resolveOne(ctx, query);
      const reports = await ctx.directory.hierarchy.reports(id, depth);
      if (!reports)
        throw new NotFoundError(`user ${id} is not in the directory snapshot yet; run gongops sync`);
      if (flag(args, "json")) printJson(io, { query, user: reports.tree.user, ...reports });
      else io.stdout(renderReports(reports));
      return 0;
    });
  },
};
