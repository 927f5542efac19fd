import type { OrgHealth } from "../../directory/hierarchy.service.js";
import { NotFoundError } from "../../errors.js";
import { type CommandCode, flag } from "../command.js";
import { grownWithGong, withCoreContext } from "../context.js";
import { printJson } from "../io.js";
import { personLine } from "./chain.js";

export function renderOrgHealth(h: OrgHealth, perSection = 20): string {
  const out: string[] = [`${h.counts.users} users in the directory.`];
  const section = <T>(title: string, items: T[], line: (t: T) => string) => {
    out.push("", `${title}: ${items.length}`);
    for (const item of items.slice(0, perSection)) out.push(`  ${line(item)}`);
    if (items.length > perSection) out.push(`  … and ${items.length - perSection} more (use --json)`);
  };
  section("Reporting cycles", h.cycles, (c) => [...c.map((p) => p.name), c[0]?.name].join(" -> "));
  section(
    "Manager ids not in the directory",
    h.danglingManagers,
    (d) => `${personLine(d.user)}: manager id ${d.managerId}`,
  );
  section(
    "Active users whose manager is inactive",
    h.activeUnderInactiveManager,
    (d) => `${personLine(d.user)} under ${personLine(d.manager)}`,
  );
  section("No manager and no reports", h.orphans, personLine);
  section("Tops of the tree", h.tops, personLine);
  return `${out.join("\n")}\n`;
}

export const orgHealthCommand: CommandCode = {
  async run(args, io) {
    return withCoreContext(io, ["gong"], async (ctx) => {
      if (!ctx.repos.directory.state())
        await (await grownWithGong(ctx)).directory.sync.run({ trigger: "org-health" });
      const health = await ctx.directory.hierarchy.orgHealth();
      if (!health) throw new NotFoundError("the directory is empty; run gongops sync");
      if (flag(args, "json")) printJson(io, health);
      else io.stdout(renderOrgHealth(health));
      return 0;
    });
  },
};
