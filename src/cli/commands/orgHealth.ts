import type { OrgHealth } from "../../directory/hierarchy.service.js";
import { NotFoundError } from "../../errors.js";
import { type Command, flag } from "../command.js";
import { withContext } from "../context.js";
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

export const orgHealthCommand: Command = {
  name: "org-health",
  summary: "find reporting cycles, dangling manager ids and orphaned users",
  usage: `gongops org-health [--json]

Checks Gong's manager data in the local directory: every cycle, every manager id that points nowhere,
every active user whose manager is inactive, and every user with no manager who tops no tree.`,
  maxPositionals: 0,
  options: { json: { type: "boolean" } },
  async run(args, io) {
    return withContext(io, ["gong"], async (ctx) => {
      if (!ctx.repos.directory.state()) await ctx.directory.sync.run({ trigger: "org-health" });
      const health = await ctx.directory.hierarchy.orgHealth();
      if (!health) throw new NotFoundError("the directory is empty; run gongops sync");
      if (flag(args, "json")) printJson(io, health);
      else io.stdout(renderOrgHealth(health));
      return 0;
    });
  },
};
