import { AuditPausedError, type AuditProgress, type Strategy } from "../../audit/audit.service.js";
import type { AuditHistoryRow } from "../../audit/history.js";
import {
  type AuditReport,
  inactiveCsv,
  lastActivityWords,
  lookBackPhrase,
  type ManagerInfo,
} from "../../audit/report.js";
import type { AppContext, GongContext } from "../../context.js";
import { InterruptedError, UsageError } from "../../errors.js";
import { utcMinute } from "../../time.js";
import {
  type CommandCode,
  choiceOption,
  flag,
  intOption,
  type ParsedArgs,
  stringOption,
} from "../command.js";
import { withContext } from "../context.js";
import { day, table } from "../format.js";
import { type CliIo, printJson } from "../io.js";
import { progressReporter } from "../progress.js";
import { renderLeaversSection } from "./leaversReport.js";

/** Exit code of a run that paused (quota spent, long Retry-After, Ctrl-C): not a failure, not a result. */
export const EXIT_PAUSED = 3;

/** The JSON document `gongops audit --json` prints for a finished run (the documented shape, plus runId). */
export function auditJson(r: AuditReport) {
  return {
    runId: r.runId,
    from: r.from,
    to: r.to,
    lookbackDays: r.lookbackDays,
    lookBack: r.lookBack,
    rule: r.rule,
    days: r.days,
    timeZone: r.timeZone,
    fromDate: r.fromDate,
    toDate: r.toDate,
    inactive: r.inactive,
    activeOtherThanHosting: r.activeOtherThanHosting,
    exempt: r.exempt,
    summary: r.summary,
    durationMs: r.durationMs,
    windows: r.windows,
  };
}

function seconds(ms: number): string {
  return ms >= 60_000
    ? `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, "0")}s`
    : `${(ms / 1000).toFixed(1)}s`;
}

/** "1 user set aside …", "3 users set aside …": exempt rules, the grace period, or an unknown state. */
export function setAside(n: number): string {
  return `${n} user${n === 1 ? "" : "s"} set aside (grace period, exempt, or state unknown)`;
}

export function renderAudit(r: AuditReport): string {
  const what =
    r.rule === "any" ? `showed no activity of any kind in Gong (rule: any)` : `hosted no call (rule: hosted)`;
  const head =
    `Inactive-user audit ${r.runId}: ${r.summary.inactive} of ${r.summary.candidates} active users ${what} ` +
    `in ${lookBackPhrase(r)}.\n` +
    `Counted: ${r.days}.\n` +
    (r.rule === "any"
      ? `${r.activeOtherThanHosting.length} users hosted nothing but used Gong otherwise (listed with --json).\n`
      : "") +
    `Cost: ${r.summary.apiRequests} Gong requests (${r.summary.strategy}), ${seconds(r.durationMs)}. ` +
    `${setAside(r.summary.exempt)}.\n`;
  const rows = r.inactive.map((u) => ({
    id: u.id,
    name: [u.firstName, u.lastName].filter(Boolean).join(" "),
    email: u.email ?? "",
    title: u.title ?? "",
    created: day(u.created),
    "last activity": lastActivityWords(r, u),
  }));
  const body = rows.length
    ? `\n${table(rows, ["id", "name", "email", "title", "created", "last activity"])}\n`
    : "\nNo inactive users.\n";
  const exempt = r.exempt.slice(0, 30).map((e) => `  ${e.email ?? e.id}: ${e.reason}`);
  const more = r.exempt.length > 30 ? [`  ... and ${r.exempt.length - 30} more (use --format json)`] : [];
  return `${head}${body}${exempt.length ? `\nSet aside:\n${[...exempt, ...more].join("\n")}\n` : ""}`;
}

export function renderHistory(runs: readonly AuditHistoryRow[]): string {
  if (runs.length === 0) return "No audits yet.\n";
  const interrupted = runs.some((r) => r.state === "interrupted");
  return `${table(
    runs.map((r) => ({
      run: String(r.id),
      started: utcMinute(r.startedAt),
      status: r.state,
      days: String(r.lookbackDays),
      rule: r.activityRule,
      candidates: String(r.candidates),
      inactive: r.status === "succeeded" ? String(r.inactive) : "",
      requests: String(r.requestsUsed),
      strategy: r.strategyUsed ?? r.strategyRequested,
      time: seconds(r.activeMs),
    })),
    ["run", "started", "status", "days", "rule", "candidates", "inactive", "requests", "strategy", "time"],
  )}\n${interrupted ? "Interrupted runs continue with `gongops audit --resume [--run ID]`.\n" : ""}`;
}

/** Prints a report in the asked format; a run that did not finish prints where it stands instead. */
export function printAudit(
  io: CliIo,
  report: AuditReport,
  format: "table" | "csv" | "json",
  managers: ReadonlyMap<string, ManagerInfo> = new Map(),
): number {
  if (report.status !== "succeeded") {
    const message =
      report.status === "paused"
        ? `Audit ${report.runId} is paused: ${report.error ?? "waiting"}. ${report.settled} of ${report.summary.candidates} ` +
          `users settled with ${report.summary.apiRequests} requests. Resume with \`gongops audit --resume\`` +
          (report.resumeAt ? ` at or after ${report.resumeAt}.` : ".")
        : `Audit ${report.runId} ${report.status}: ${report.error ?? ""}`;
    if (format === "json") {
      printJson(io, {
        error: { code: report.status === "paused" ? "PAUSED" : "INTERNAL", message },
        runId: report.runId,
        status: report.status,
        resumeAt: report.resumeAt,
        settled: report.settled,
        message,
      });
    }
    io.stderr(`${message}\n`);
    return report.status === "paused" ? EXIT_PAUSED : 1;
  }
  if (format === "json") printJson(io, auditJson(report));
  else if (format === "csv") io.stdout(inactiveCsv(report, managers));
  else io.stdout(renderAudit(report));
  return 0;
}

function formatOf(args: ParsedArgs): "table" | "csv" | "json" {
  return flag(args, "json")
    ? "json"
    : choiceOption(args, "format", ["table", "csv", "json"] as const, "table");
}

function printHistory(ctx: AppContext, args: ParsedArgs, io: CliIo): number {
  const runs = ctx.auditHistory.list(intOption(args, "limit", 20, 1, 1000));
  if (formatOf(args) === "json") printJson(io, runs);
  else io.stdout(renderHistory(runs));
  return 0;
}

async function runAudit(ctx: GongContext, args: ParsedArgs, io: CliIo): Promise<number> {
  const format = formatOf(args);
  const { audit } = ctx;
  const progress = progressReporter(io);
  const onProgress = (p: AuditProgress) =>
    progress.update({
      ...p,
      phase: p.window
        ? `${p.phase} (window ${p.window.index}/${p.window.of}, ${p.window.strategy ?? "planning"})`
        : p.phase,
    });
  const controller = new AbortController();
  void io.interrupted.then(() => controller.abort(new InterruptedError()));
  try {
    const report = flag(args, "resume")
      ? await audit.resume(args.values.run === undefined ? null : intOption(args, "run", 0, 1), {
          onProgress,
          signal: controller.signal,
        })
      : await audit.start({
          days: intOption(args, "days", ctx.config.audit.days, 1, 100_000),
          strategy: choiceOption(args, "strategy", ["auto", "per-user", "bulk"] as const, "auto") as Strategy,
          activity: choiceOption(args, "activity", ["any", "hosted"] as const, ctx.config.audit.activity),
          onProgress,
          signal: controller.signal,
        });
    progress.end();
    // The managers' names and emails are columns of the CSV alone.
    const code = printAudit(io, report, format, format === "csv" ? audit.managersOf(report) : undefined);
    // The terminal report ends with who left and still holds a seat, as last found (no request).
    if (format === "table" && report.status === "succeeded")
      io.stdout(renderLeaversSection(ctx.leavers.view()));
    return code;
  } catch (error) {
    progress.end();
    if (error instanceof AuditPausedError) {
      io.stderr(`${error.message}\n`);
      if (format === "json")
        printJson(io, {
          error: { code: "PAUSED", message: error.message },
          runId: error.runId,
          status: "paused",
          resumeAt: error.resumeAt.toISOString(),
          message: error.message,
        });
      return EXIT_PAUSED;
    }
    throw error;
  }
}

export const auditCommand: CommandCode = {
  async run(args, io) {
    if (stringOption(args, "run") !== undefined && !flag(args, "resume"))
      throw new UsageError("--run goes with --resume");
    if (stringOption(args, "limit") !== undefined && !flag(args, "history"))
      throw new UsageError("--limit goes with --history");
    if (stringOption(args, "activity") !== undefined && flag(args, "resume"))
      throw new UsageError("--activity cannot change on --resume: a run keeps the rule it started with");
    if (flag(args, "history")) return withContext(io, [], async (ctx) => printHistory(ctx, args, io));
    return withContext(io, ["gong"], (ctx) => runAudit(ctx, args, io));
  },
};
