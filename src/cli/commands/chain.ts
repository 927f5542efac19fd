import type { Chain, PersonRef } from "../../directory/hierarchy.service.js";
import { NotFoundError, UsageError } from "../../errors.js";
import { type CommandCode, flag } from "../command.js";
import { withCoreContext } from "../context.js";
import { printJson } from "../io.js";
import { resolveOne } from "../resolve.js";

export function personLine(p: PersonRef): string {
  return `${p.name}${p.title ? ` (${p.title})` : ""}${p.active === false ? " [inactive]" : ""}`;
}

export function renderChain(c: Chain): string {
  const lines = c.chain.map((p, i) => `${i === 0 ? "" : `${"  ".repeat(i - 1)}└ `}${personLine(p)}`);
  const pad = "  ".repeat(Math.max(0, c.chain.length - 1));
  if (c.end.kind === "top") lines.push(`${pad}(top of the tree)`);
  if (c.end.kind === "unknown-manager")
    lines.push(`${pad}! manager id ${c.end.managerId} is not in the directory`);
  if (c.end.kind === "cycle") {
    const names = c.end.members.map((m) => m.name);
    lines.push(`${pad}! reporting cycle: ${[...names, names[0]].join(" -> ")}`);
  }
  return `${lines.join("\n")}\n`;
}

export const chainCommand: CommandCode = {
  async run(args, io) {
    const query = args.positionals.join(" ");
    if (!query.trim()) throw new UsageError("say whose reporting line to show");
    return withCoreContext(io, ["gong"], async (ctx) => {
      const { id } = await resolveOne(ctx, query);
      const chain = await ctx.directory.hierarchy.chain(id);
      if (!chain)
        throw new NotFoundError(`user ${id} is not in the directory snapshot yet; run gongops sync`);
      if (flag(args, "json")) printJson(io, { query, ...chain });
      else io.stdout(renderChain(chain));
      return 0;
    });
  },
};
