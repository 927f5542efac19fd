import { parseExemptRule } from "../../audit/exemptions.js";
import { UsageError } from "../../errors.js";
import { type Command, flag, stringOption } from "../command.js";
import { withContext } from "../context.js";
import { table } from "../format.js";
import { printJson } from "../io.js";

export const exemptCommand: Command = {
  name: "exempt",
  summary: "manage who the inactive audit never flags",
  usage: `gongops exempt add <rule> [--reason "why"]
gongops exempt remove <rule>
gongops exempt list [--json]

A rule is a Gong id, an email, @domain (every address at it), or title:<pattern> (a glob like
"title:VP*", or "title:/^vp\\b/i"). Rules in GONGOPS_AUDIT_EXEMPT apply too and are listed here.`,
  options: { reason: { type: "string" }, json: { type: "boolean" } },
  async run(args, io) {
    const [action, ...rest] = args.positionals;
    if (action === "list") {
      if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}"`);
    } else if (action === "add" || action === "remove") {
      if (rest.length !== 1) throw new UsageError(`${action} takes one rule (quote it if it has spaces)`);
    } else
      throw new UsageError(
        action ? `unknown action "${action}": use add, remove or list` : "say add, remove or list",
      );
    const rule = action === "list" ? null : parseExemptRule(rest[0]!);
    return withContext(io, [], async (ctx) => {
      const repo = ctx.repos.exemptions;
      if (action === "add") {
        const added = repo.add(
          { ...rule!, reason: stringOption(args, "reason") ?? null, createdBy: "cli" },
          new Date(),
        );
        io.stdout(
          added ? `Exempt: ${rule!.kind} ${rule!.value}\n` : `Already exempt: ${rule!.kind} ${rule!.value}\n`,
        );
        return 0;
      }
      if (action === "remove") {
        const removed = repo.remove(rule!.kind, rule!.value);
        io.stdout(
          removed
            ? `No longer exempt: ${rule!.kind} ${rule!.value}\n`
            : `Not on the list: ${rule!.kind} ${rule!.value}\n`,
        );
        return removed ? 0 : 1;
      }
      const rows = [
        ...ctx.config.audit.exempt.map((text) => ({
          ...parseExemptRule(text),
          reason: null,
          source: "GONGOPS_AUDIT_EXEMPT",
          createdAt: null,
        })),
        ...repo.list().map((r) => ({
          kind: r.kind,
          value: r.value,
          reason: r.reason,
          source: "list",
          createdAt: r.createdAt,
        })),
      ];
      if (flag(args, "json")) printJson(io, rows);
      else if (rows.length === 0) io.stdout("No exemptions.\n");
      else {
        io.stdout(
          `${table(
            rows.map((r) => ({ kind: r.kind, value: r.value, reason: r.reason ?? "", source: r.source })),
            ["kind", "value", "reason", "source"],
          )}\n`,
        );
      }
      return 0;
    });
  },
};
