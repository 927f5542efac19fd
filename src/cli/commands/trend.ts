import { writeFileSync } from "node:fs";
import { toCsv } from "../../csv.js";
import { money } from "../../digest/digest.js";
import { UsageError } from "../../errors.js";
import type { TrendPointRow } from "../../store/trend.repo.js";
import { utcMinute } from "../../time.js";
import { reclaimedText } from "../../trend/chart.js";
import { TREND_DAYS, TrendService } from "../../trend/trend.service.js";
import { type CommandCode, choiceOption, flag, intOption, stringOption } from "../command.js";
import { withContext } from "../context.js";
import { table } from "../format.js";
import { printJson } from "../io.js";

const CSV_COLUMNS = [
  "day",
  "at",
  "auditRunId",
  "trigger",
  "lookbackDays",
  "rule",
  "activeUsers",
  "inactive",
  "setAside",
  "leavers",
  "seatPrice",
  "yearlyCost",
  "currency",
  "reclaimedSeats",
  "reclaimedCost",
] as const;

function cost(amount: number | null, currency: string): string {
  return amount === null ? "" : money(amount, currency);
}

export function renderTrend(rows: readonly TrendPointRow[], reclaimed: string, spark: string | null): string {
  if (rows.length === 0)
    return `No audit in this period yet: every finished audit (gongops audit, gongops digest, a schedule, /gong audit) adds a point.\nReclaimed so far: ${reclaimed}.\n`;
  const lines = table(
    rows.map((r) => ({
      day: r.day,
      finished: `${utcMinute(r.at).slice(11)} UTC`,
      audit: String(r.auditRunId),
      by: r.trigger,
      "look-back": `${r.lookbackDays} d (${r.rule})`,
      active: String(r.activeUsers),
      inactive: String(r.inactive),
      "set aside": String(r.setAside),
      "yearly cost": cost(r.yearlyCost, r.currency),
      reclaimed: `${r.reclaimedSeats}${r.reclaimedCost !== null ? ` (${money(r.reclaimedCost, r.currency)})` : ""}`,
    })),
    [
      "day",
      "finished",
      "audit",
      "by",
      "look-back",
      "active",
      "inactive",
      "set aside",
      "yearly cost",
      "reclaimed",
    ],
  );
  return `${lines}\n${spark ? `\n${spark}\n` : ""}\nReclaimed so far: ${reclaimed} (finished deactivations, net of reactivations).\n`;
}

function write(path: string, content: string | Buffer): void {
  try {
    writeFileSync(path, content);
  } catch (error) {
    throw new UsageError(`cannot write ${path}: ${(error as Error).message}`);
  }
}

export const trendCommand: CommandCode = {
  async run(args, io) {
    const days = intOption(args, "days", TREND_DAYS, 1, 3660);
    const format = flag(args, "json")
      ? "json"
      : choiceOption(args, "format", ["table", "csv", "json", "png"] as const, "table");
    const out = stringOption(args, "out");
    if (format === "png" && !out)
      throw new UsageError("--format png needs --out FILE (a PNG is not for a terminal)");
    if (out !== undefined && out.trim() === "") throw new UsageError("--out needs a file name");
    return withContext(io, [], async (ctx) => {
      const { trend } = ctx;
      if (format === "png") {
        const chart = await trend.chart(days);
        write(out!, chart.png);
        io.stdout(`Wrote the trend chart (${chart.width}×${chart.height} px) to ${out}.\n${chart.altText}\n`);
        return 0;
      }
      const rows = trend.history(days);
      if (format === "json" && !out) {
        printJson(io, { points: rows.map(TrendService.point) });
        return 0;
      }
      const reclaimed = trend.reclaimed();
      const text =
        format === "json"
          ? `${JSON.stringify({ points: rows.map(TrendService.point) }, null, 2)}\n`
          : format === "csv"
            ? toCsv(rows, CSV_COLUMNS)
            : renderTrend(
                rows,
                reclaimedText({ reclaimed, currency: reclaimed.currency }),
                trend.sparkline(days),
              );
      if (!out) io.stdout(text);
      else {
        write(out, text);
        io.stderr(`Wrote ${rows.length} point${rows.length === 1 ? "" : "s"} to ${out}.\n`);
      }
      return 0;
    });
  },
};
