import { filingNotes, type RequestView } from "../../approvals/approvals.service.js";
import { checkWayOut, type WayOutPerson } from "../../approvals/check.js";
import { withRefs } from "../../approvals/refs.js";
import { stateLabel } from "../../approvals/states.js";
import { terminalActor } from "../../approvals/types.js";
import type { Config } from "../../config.js";
import { toCsv } from "../../csv.js";
import { NotFoundError, RefusedError, UsageError } from "../../errors.js";
import type { SubjectRow } from "../../store/approvals.repo.js";
import { type CommandCode, choiceOption, flag, stringOption } from "../command.js";
import { withContext } from "../context.js";
import { table } from "../format.js";
import type { CliIo } from "../io.js";
import { printJson } from "../io.js";
import { slackNamer } from "../slackNames.js";

/** `gongops deactivate | requests | trail | reactivate`: the terminal face of src/approvals/. */

function approverText(s: SubjectRow): string {
  if (s.approverKind === "channel") return "approvals channel";
  if (s.approverKind === "unassigned") return "assigned when the app posts it";
  return `${s.approverName ?? "?"} (${s.approverSlackId})`;
}

/** A view as --json prints it: each subject with its ref ("10.3", refs.ts). */
function viewJson(v: RequestView) {
  return { ...v, subjects: withRefs(v.subjects) };
}

function subjectRows(v: RequestView) {
  return withRefs(v.subjects).map((s) => ({
    subject: s.ref,
    name: s.name,
    email: s.email ?? "",
    state: s.state,
    approver: approverText(s),
    note: s.waitingNote ?? s.stateReason ?? (v.dryRun && s.state === "done" ? "would be deactivated" : ""),
  }));
}

function viewText(v: RequestView): string {
  const r = v.request;
  return (
    `Request #${r.id}${v.dryRun ? " (DRY RUN: no one will be deactivated)" : ""}, by ${r.requestedBy} on ${r.createdAt}\n` +
    `Reason: ${r.reason}\n` +
    `${table(subjectRows(v), ["subject", "name", "email", "state", "approver", "note"])}\n`
  );
}

/** Text for a person at a terminal: Slack ids as names (slackNames.ts), never "<@U…>". */
async function printNamed(io: CliIo, config: Config, text: string): Promise<void> {
  io.stdout((await slackNamer(config, [text]))(text));
}

export const deactivateCommand: CommandCode = {
  async run(args, io) {
    if (flag(args, "check")) return checkCommand(args.positionals, flag(args, "json"), io);
    const reason = stringOption(args, "reason");
    if (!reason?.trim()) throw new UsageError('say why with --reason "…"');
    if (args.positionals.length === 0)
      throw new UsageError("say who to deactivate: emails, Gong ids or names");
    const audit = stringOption(args, "audit");
    if (audit !== undefined && !/^\d+$/.test(audit)) throw new UsageError("--audit expects an audit run id");
    return withContext(io, ["gong"], async (ctx) => {
      const filed = await ctx.approvals.request({
        who: args.positionals,
        reason,
        dryRun: flag(args, "dry-run"),
        force: flag(args, "force"),
        actor: terminalActor(ctx.config.approvals.operator),
        source: "cli",
        auditRunId: audit ? Number(audit) : null,
      });
      const { view, refused, warnings } = filed;
      if (flag(args, "json")) printJson(io, { ...viewJson(view), refused, warnings });
      else {
        await printNamed(io, ctx.config, viewText(view));
        for (const line of filingNotes(filed)) io.stdout(`${line}\n`);
        io.stdout("The running app (gongops start) posts it to the approvers.\n");
      }
      return 0;
    });
  },
};

/** `gongops deactivate --check`: would an approved deactivation go through? Changes nothing. */
async function checkCommand(who: readonly string[], json: boolean, io: CliIo): Promise<number> {
  return withContext(io, who.length > 0 ? ["gong"] : [], async (ctx) => {
    const people: { who: string; email: string }[] = [];
    const unresolved: WayOutPerson[] = [];
    for (const w of who) {
      // "live": a lookup may ask Gong, but never runs a directory sync (a check writes nothing).
      const found = await ctx.directory.lookup.find(w, { refresh: "live" });
      if (found.match === "one" && found.user.email) people.push({ who: w, email: found.user.email });
      else
        unresolved.push({
          who: w,
          email: "",
          verdict: "refused",
          detail:
            found.match === "many"
              ? `matches ${found.total} Gong users: use an email or an id`
              : found.match === "one"
                ? `${found.user.name} has no email in Gong`
                : ctx.repos.directory.state()
                  ? "no Gong user matches"
                  : "no Gong user matches (no directory snapshot yet: run gongops sync first)",
        });
    }
    const check = await checkWayOut(ctx.approvals.deprovisioner, people);
    const result = {
      ...check,
      ready: check.ready && unresolved.length === 0,
      people: [...unresolved, ...check.people],
    };
    if (json)
      printJson(io, {
        ...(result.ready ? {} : { error: { code: "REFUSED", message: notReady(result) } }),
        ...result,
      });
    else {
      io.stdout(`Way out: ${result.label} (GONGOPS_DEACTIVATE_VIA=${result.via})\n`);
      io.stdout(
        result.refusal
          ? `Not ready: ${result.refusal}\n`
          : `Checks before a change: passed${result.caveat ? ` (${result.caveat})` : ""}\n`,
      );
      for (const p of result.people) io.stdout(`  ${p.who}: ${p.verdict}: ${p.detail}\n`);
      if (result.calls.length) io.stdout(`Calls made (nothing changed): ${result.calls.join("; ")}\n`);
      io.stdout(result.ready ? "Ready: an approved deactivation would go through.\n" : "Not ready.\n");
    }
    return result.ready ? 0 : 1;
  });
}

export const requestsCommand: CommandCode = {
  async run(args, io) {
    const [action = "list", arg] = args.positionals;
    const json = flag(args, "json");
    return withContext(io, [], async (ctx) => {
      if (action === "list") {
        const views = ctx.approvals.list({ open: flag(args, "open") });
        if (json) printJson(io, { requests: views.map(viewJson), cap: ctx.approvals.capToday() });
        else if (views.length === 0) io.stdout("No deactivation requests.\n");
        else {
          const named = await slackNamer(
            ctx.config,
            views.map((v) => v.request.requestedBy),
          );
          const rows = views.map((v) => {
            const counts = new Map<string, number>();
            for (const s of v.subjects) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
            return {
              request: `#${v.request.id}`,
              created: v.request.createdAt.slice(0, 16),
              by: named(v.request.requestedBy),
              users: String(v.subjects.length),
              states: [...counts].map(([k, n]) => `${n} ${k}`).join(", "),
              "dry run": v.dryRun ? "yes" : "",
              reason: v.request.reason,
            };
          });
          const cap = ctx.approvals.capToday();
          io.stdout(
            `${table(rows, ["request", "created", "by", "users", "states", "dry run", "reason"])}\n` +
              `Deactivations today: ${cap.used} of ${cap.cap} (GONGOPS_MAX_DEACTIVATIONS_PER_DAY)\n`,
          );
        }
        return 0;
      }
      if (action === "show") {
        const id = requestNumber(arg);
        const v = ctx.approvals.view(id);
        if (!v) throw new NotFoundError(`there is no request #${id} (gongops requests lists them)`);
        const ref = ctx.approvals.subjectRefs();
        const trail = ctx.approvals
          .trail({ requestId: v.request.id })
          .map((t) => ({ ...t, subject: ref(t.subjectId) }));
        if (json) printJson(io, { ...viewJson(v), trail });
        else {
          const lines = withRefs(v.subjects).map(
            (s) =>
              `  subject ${s.ref} ${s.name}: ${stateLabel(s.state, v.dryRun)}; approver because ${s.approverReason}${s.evidence ? `; filed on: ${s.evidence}` : ""}\n`,
          );
          await printNamed(io, ctx.config, viewText(v) + lines.join(""));
        }
        return 0;
      }
      if (action === "release") {
        const reason = stringOption(args, "reason");
        if (!arg || !reason?.trim()) throw new UsageError('gongops requests release <subject> --reason "…"');
        const s = await ctx.approvals.findSubject(arg);
        const name = `subject ${ctx.approvals.subjectRefs()(s.id)} (${s.name})`;
        const ok = ctx.approvals.releaseFromCap(s.id, terminalActor(ctx.config.approvals.operator), reason);
        if (!ok) throw new RefusedError(`${name} is ${s.state}, not approved and waiting for the daily cap`);
        if (json) printJson(io, { subject: name, released: true });
        else io.stdout(`${capitalized(name)} goes past today's cap.\n`);
        return 0;
      }
      if (action === "approve" || action === "keep") {
        const reason = stringOption(args, "reason");
        if (!arg || !reason?.trim())
          throw new UsageError(`gongops requests ${action} <subject> --reason "…" (an admin override)`);
        const s = await ctx.approvals.findSubject(arg);
        const ref = ctx.approvals.subjectRefs()(s.id);
        const [o] = await ctx.approvals.decide({
          subjectIds: [s.id],
          decision: action,
          actor: terminalActor(ctx.config.approvals.operator),
          reason,
          override: true,
        });
        const done = o!.outcome === "approved" || o!.outcome === "kept";
        if (!done) throw new RefusedError(`subject ${ref} (${o!.name}): ${o!.message}`);
        if (json) printJson(io, { ...o, subject: ref });
        else io.stdout(`Subject ${ref} (${o!.name}): ${o!.message}.\n`);
        return 0;
      }
      if (action === "retry") {
        if (!arg) throw new UsageError('gongops requests retry <subject> [--reason "…"]');
        const found = await ctx.approvals.findSubject(arg);
        const ref = ctx.approvals.subjectRefs()(found.id);
        const s = ctx.approvals.retry({
          subjectId: found.id,
          actor: terminalActor(ctx.config.approvals.operator),
          reason: stringOption(args, "reason") ?? null,
        });
        if (json) printJson(io, { ...s, subject: ref });
        else
          io.stdout(
            `Subject ${ref} (${s.name}) is approved again; the running app (gongops start) runs its deactivation with every check before a change.\n`,
          );
        return 0;
      }
      throw new UsageError(`unknown action "${action}": use list, show, release, approve, keep or retry`);
    });
  },
};

/** Why a deactivation would not go through, in one line (the --check document's `error`). */
function notReady(r: { refusal?: string | null; people: readonly WayOutPerson[] }): string {
  const people = r.people.filter((p) => p.verdict === "refused").map((p) => `${p.who}: ${p.detail}`);
  return `not ready: ${[r.refusal, ...people].filter(Boolean).join("; ") || "a check did not pass"}`;
}

/** "10" or "#10": a request's number. */
function requestNumber(arg: string | undefined): number {
  if (!arg || !/^#?\d{1,9}$/.test(arg))
    throw new UsageError("say which request: gongops requests show <number>");
  return Number(arg.replace(/^#/, ""));
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export const trailCommand: CommandCode = {
  async run(args, io) {
    const since = stringOption(args, "since");
    const sinceDate = since === undefined ? undefined : new Date(since);
    if (sinceDate && Number.isNaN(sinceDate.getTime()))
      throw new UsageError(`--since expects a date, got "${since}"`);
    const format = flag(args, "json")
      ? "json"
      : choiceOption(args, "format", ["csv", "json"] as const, "csv");
    return withContext(io, [], async (ctx) => {
      const ref = ctx.approvals.subjectRefs();
      const rows = ctx.approvals.trail({ since: sinceDate }).map((t) => {
        const s = ctx.repos.approvals.subject(t.subjectId);
        return {
          at: t.at,
          request: t.requestId,
          subject: ref(t.subjectId),
          user: s?.name ?? "",
          email: s?.email ?? "",
          actor: t.actor,
          from: t.fromState ?? "",
          to: t.toState,
          why: t.why ?? "",
          override: t.override,
        };
      });
      if (format === "json") printJson(io, rows);
      else {
        // A CSV is read by people: Slack ids as names, never "<@U…>" (slackNames.ts).
        const named = await slackNamer(
          ctx.config,
          rows.flatMap((r) => [r.actor, r.why]),
        );
        io.stdout(
          toCsv(
            rows.map((r) => ({ ...r, actor: named(r.actor), why: named(r.why) })),
            ["at", "request", "subject", "user", "email", "actor", "from", "to", "why", "override"],
          ),
        );
      }
      return 0;
    });
  },
};

export const reactivateCommand: CommandCode = {
  async run(args, io) {
    const reason = stringOption(args, "reason");
    if (!reason?.trim()) throw new UsageError('say why with --reason "…"');
    const who = args.positionals.join(" ");
    if (!who) throw new UsageError("say who to reactivate");
    return withContext(io, ["gong"], async (ctx) => {
      const s = await ctx.approvals.reactivate({
        who,
        reason,
        actor: terminalActor(ctx.config.approvals.operator),
      });
      if (flag(args, "json")) printJson(io, s);
      else io.stdout(`${s.name} is active again in Gong (${s.stateReason}).\n`);
      return 0;
    });
  },
};
