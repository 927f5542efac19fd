import { terminalLabel } from "../../approvals/types.js";
import { describeMatches } from "../../audit/exemptions.service.js";
import { NotFoundError, UsageError } from "../../errors.js";
import { type CommandCode, flag, stringOption } from "../command.js";
import { withContext } from "../context.js";
import { table } from "../format.js";
import { printJson } from "../io.js";

export const exemptCommand: CommandCode = {
  async run(args, io) {
    const [action, ...rest] = args.positionals;
    if (action === "list") {
      if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}"`);
    } else if (action === "add" || action === "remove") {
      if (rest.length !== 1)
        throw new UsageError(
          `${action} takes one rule; quote a rule with spaces ("title:Vice President*") and give the reason with --reason`,
        );
    } else
      throw new UsageError(
        action ? `unknown action "${action}": use add, remove or list` : "say add, remove or list",
      );
    if (action !== "add" && (args.values.reason !== undefined || flag(args, "force")))
      throw new UsageError("--reason and --force go with add");
    const json = flag(args, "json");
    return withContext(io, [], async (ctx) => {
      if (action === "add") {
        const r = ctx.exemptions.add(rest[0]!, {
          reason: stringOption(args, "reason") ?? null,
          // Who added it, by name, as the trail names the terminal's operator.
          by: terminalLabel(ctx.config.approvals.operator),
          force: flag(args, "force"),
        });
        if (json) printJson(io, r);
        else
          io.stdout(
            `${r.added ? "Exempt" : "Already exempt"}: ${r.rule.kind} ${r.rule.value}` +
              `${r.reason ? ` (reason: ${r.reason})` : ""}; ${describeMatches(r)}.\n`,
          );
        return 0;
      }
      if (action === "remove") {
        const r = ctx.exemptions.remove(rest[0]!);
        if (!r.removed) throw new NotFoundError(`not on the exempt list: ${r.rule.kind} ${r.rule.value}`);
        if (json) printJson(io, r);
        else io.stdout(`No longer exempt: ${r.rule.kind} ${r.rule.value}\n`);
        return 0;
      }
      const rows = ctx.exemptions.list();
      if (json) printJson(io, rows);
      else if (rows.length === 0) io.stdout("No exemptions.\n");
      else
        io.stdout(
          `${table(
            rows.map((r) => ({ kind: r.kind, value: r.value, reason: r.reason ?? "", source: r.source })),
            ["kind", "value", "reason", "source"],
          )}\n`,
        );
      return 0;
    });
  },
};
