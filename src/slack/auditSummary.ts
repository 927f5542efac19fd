import { stateLabel } from "../approvals/states.js";
import type { AuditReport, InactiveUser } from "../audit/report.js";
import { managersOf } from "../directory/tellApart.js";
import type { LeaversBrief } from "../leavers/types.js";
import type { ApprovalsRepo } from "../store/approvals.repo.js";
import type { DirectoryRepo } from "../store/directory.repo.js";
import { auditSummaryBlocks, pageUsers } from "./blocks/audit.js";
import type { Block } from "./blocks/common.js";
import { leaversAuditBlock } from "./blocks/leavers.js";

/**
 * One page of a finished audit's summary in its Slack message, with what it shows beside each user:
 * their manager's name (from the current directory snapshot), where their latest deactivation request
 * stands, and where the full list went; and who left the company and still holds a seat (the leavers
 * service's last check, no request). The runner renders page one; the Previous/Next buttons the rest.
 */
export function summaryPage(
  report: AuditReport,
  page: number,
  from: { directory: DirectoryRepo; approvals?: ApprovalsRepo; leavers?: { brief(): LeaversBrief } },
  csv: { where: "thread" | "dm" | null; startedBy: string },
): Block[] {
  const users = pageUsers(report, page);
  const blocks = auditSummaryBlocks(
    report,
    page,
    new Map([...managersOf(from.directory, users)].map(([id, m]) => [id, m.name])),
    undefined,
    csvNote(csv.where, csv.startedBy, report),
    requestStates(from.approvals, users),
  );
  const leavers = from.leavers ? leaversAuditBlock(from.leavers.brief()) : null;
  // Before the page line, which stays last.
  if (leavers) blocks.splice(blocks.length - 1, 0, leavers);
  return blocks;
}

/** Where the full list is, said only once it is there. */
export function csvNote(where: "thread" | "dm" | null, startedBy: string, report: AuditReport): string {
  if (report.inactive.length === 0) return "";
  if (where === "thread") return "the full list is attached as CSV in the thread";
  if (where === "dm") return `the full list was sent to <@${startedBy}> as a CSV (I can't attach files here)`;
  return "the CSV could not be attached here; `gongops audit --format csv` exports it";
}

/** Where each flagged user's latest deactivation request stands ("approved by …"), for the summary. */
function requestStates(repo: ApprovalsRepo | undefined, users: readonly InactiveUser[]): Map<string, string> {
  const states = new Map<string, string>();
  if (!repo) return states;
  for (const u of users) {
    const latest = repo.subjectsOfUser(u.id)[0];
    if (latest) states.set(u.id, `${stateLabel(latest.state, latest.dryRun)} (request ${latest.requestId})`);
  }
  return states;
}
