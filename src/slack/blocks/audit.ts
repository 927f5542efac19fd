import type { AuditProgress } from "../../audit/audit.service.js";
import {
  type AuditReport,
  type FlaggedUser,
  type InactiveUser,
  lastActivityWords,
  lookBackPhrase,
} from "../../audit/report.js";
import { ACTIONS } from "../ids.js";
import { email, literal, mrkdwn } from "../mrkdwn.js";
import { actions, type Block, type Button, button, context, divider, header, section } from "./common.js";

/**
 * The audit's message: a progress view while it runs, then a summary with the inactive users a page at
 * a time (Slack allows 50 blocks a message). Each user is one section, and `userAccessory` may give it a
 * button: that is where "Request deactivation" goes.
 */
export const USERS_PER_PAGE = 15;

export function progressBar(ratio: number, width = 20): string {
  const filled = Math.round(Math.max(0, Math.min(1, ratio)) * width);
  return `${"▓".repeat(filled)}${"░".repeat(width - filled)} ${Math.floor(Math.max(0, Math.min(1, ratio)) * 100)}%`;
}

function eta(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "";
  const s = Math.max(0, Math.round(ms / 1000));
  return ` · about ${s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`} left`;
}

export function auditProgressBlocks(days: number, p: AuditProgress | null, startedBy: string): Block[] {
  const ratio = p?.total ? p.done / p.total : 0;
  const phase = p
    ? p.window
      ? `${p.phase}, window ${p.window.index} of ${p.window.of}`
      : p.phase
    : "starting";
  return [
    section(`:hourglass_flowing_sand: *Inactive-user audit* (${days} days), started by <@${startedBy}>`),
    section(`\`${progressBar(ratio)}\``),
    context(
      `${literal(phase)}${p?.total ? ` · ${p.done} of ${p.total} users settled` : ""} · ${p?.requestsUsed ?? 0} Gong requests${eta(p?.etaMs ?? null)}`,
    ),
  ];
}

function userLine(
  report: Pick<AuditReport, "lookbackDays" | "rule">,
  u: FlaggedUser,
  managers: ReadonlyMap<string, string>,
  requests: ReadonlyMap<string, string>,
): string {
  const request = requests.get(u.id);
  const name = [u.firstName, u.lastName].filter(Boolean).join(" ") || u.email || u.id;
  const manager = u.managerId ? (managers.get(u.managerId) ?? `id ${u.managerId}`) : "none";
  return (
    `*${literal(name)}*${u.title ? ` — ${literal(u.title)}` : ""}\n` +
    `${email(u.email)} · manager: ${literal(manager)} · created ${u.created ? literal(u.created.slice(0, 10)) : "unknown"} · ` +
    `last activity: ${literal(lastActivityWords(report, u))} · \`${u.id}\`` +
    (request ? `\n:memo: deactivation request: ${literal(request)}` : "")
  );
}

export function auditPages(report: AuditReport): number {
  return Math.max(1, Math.ceil(report.inactive.length / USERS_PER_PAGE));
}

/** The flagged users page `page` lists (clamped to the pages there are): all a page needs looking up. */
export function pageUsers(report: AuditReport, page: number): AuditReport["inactive"] {
  const p = Math.max(0, Math.min(page, auditPages(report) - 1));
  return report.inactive.slice(p * USERS_PER_PAGE, (p + 1) * USERS_PER_PAGE);
}

/** The finished audit, page `page` (0-based) of its inactive users. */
export function auditSummaryBlocks(
  report: AuditReport,
  page: number,
  managers: ReadonlyMap<string, string>,
  userAccessory?: (u: InactiveUser) => Button | undefined,
  /** Where the CSV is (once it is there), e.g. "the full list is attached as CSV in the thread". */
  csvNote = "",
  /** Each listed user's deactivation request, in words, when there is one. */
  requests: ReadonlyMap<string, string> = new Map(),
): Block[] {
  const pages = auditPages(report);
  const p = Math.max(0, Math.min(page, pages - 1));
  const s = report.summary;
  const blocks: Block[] = [
    header(`Inactive-user audit: ${s.inactive} of ${s.candidates} active users`),
    section(
      `${report.rule === "any" ? "No Gong activity of any kind" : "No hosted call"} in ${literal(lookBackPhrase(report))} (rule: ${report.rule}). ` +
        `${s.exempt} user${s.exempt === 1 ? "" : "s"} set aside (grace period, exempt, or state unknown).` +
        (report.rule === "any"
          ? ` ${report.activeOtherThanHosting.length} hosted nothing but used Gong otherwise.`
          : ""),
    ),
    // Which days counted names Gong's time zone: escaped like any Gong text.
    context(`Counted: ${literal(report.days)}`),
    context(
      `Audit ${report.runId} · ${s.apiRequests} Gong requests (${literal(s.strategy)}) · ${Math.round(report.durationMs / 1000)} s`,
    ),
    divider,
  ];
  const users = pageUsers(report, p);
  if (users.length === 0)
    blocks.push(
      section(
        report.rule === "any"
          ? "Everyone active used Gong in the look-back. :tada:"
          : "Everyone active hosted at least one call. :tada:",
      ),
    );
  for (const u of users) {
    const accessory = userAccessory?.(u);
    blocks.push({
      type: "section",
      text: mrkdwn(userLine(report, u, managers, requests)),
      ...(accessory ? { accessory } : {}),
    });
  }
  const nav: Button[] = [];
  if (pages > 1) {
    if (p > 0)
      nav.push(button("Previous", ACTIONS.auditPage, JSON.stringify({ runId: report.runId, page: p - 1 })));
    if (p < pages - 1)
      nav.push(button("Next", ACTIONS.auditPage, JSON.stringify({ runId: report.runId, page: p + 1 })));
  }
  // Paging first, then the way from an audit to a deactivation request (approvals/).
  if (report.inactive.length > 0)
    nav.push(button("Request deactivation…", ACTIONS.requestFromAudit, String(report.runId)));
  if (nav.length > 0) blocks.push(actions(...nav));
  blocks.push(context(`Page ${p + 1} of ${pages}${csvNote ? ` · ${csvNote}` : ""}`));
  return blocks;
}

/** A run that stopped before the end: where it stands and when it continues. Never a partial list. */
export function auditStoppedBlocks(report: AuditReport, explanation: string): Block[] {
  const icon = report.status === "paused" ? ":double_vertical_bar:" : ":x:";
  return [
    section(`${icon} *Inactive-user audit ${report.runId} ${report.status}.* ${literal(explanation)}`),
    context(
      `${report.settled} of ${report.summary.candidates} users settled · ${report.summary.apiRequests} Gong requests so far`,
    ),
  ];
}
