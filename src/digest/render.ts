import { NEWCOMER_ADVICE } from "../leavers/newcomers.js";
import { utcMinute } from "../time.js";
import {
  type Digest,
  type DigestChange,
  type DigestPerson,
  headlineText,
  leaversText,
  money,
  noNewsLine,
} from "./digest.js";

/** The digest for the terminal (`gongops digest`): the same facts as the Slack message, as text. */
const MAX_LISTED = 20;

function people(title: string, list: readonly DigestPerson[]): string[] {
  if (list.length === 0) return [];
  const lines = list
    .slice(0, MAX_LISTED)
    .map(
      (p) =>
        `    ${p.name}${p.email ? ` <${p.email}>` : ""}${p.managerName ? ` (manager ${p.managerName})` : ""}`,
    );
  if (list.length > MAX_LISTED) lines.push(`    … and ${list.length - MAX_LISTED} more`);
  return [`  ${title} (${list.length}):`, ...lines];
}

function changes(title: string, list: readonly DigestChange[], detail = false): string[] {
  if (list.length === 0) return [];
  const lines = list
    .slice(0, MAX_LISTED)
    .map((c) => `    ${c.name}${detail ? `: ${c.before ?? "none"} -> ${c.after ?? "none"}` : ""}`);
  if (list.length > MAX_LISTED) lines.push(`    … and ${list.length - MAX_LISTED} more`);
  return [`  ${title} (${list.length}):`, ...lines];
}

/** Leavers first: the seats that went with someone who left. */
function leaverLines(d: Digest): string[] {
  const head = leaversText(d);
  if (!head) return [];
  const list = d.leavers!.people;
  const lines = list
    .slice(0, MAX_LISTED)
    .map(
      (p) =>
        `    ${p.name} <${p.email}>${p.managerName ? ` (manager ${p.managerName})` : ""}: ${p.source === "slack" ? "deactivated in Slack" : `disabled in ${p.source === "okta" ? "Okta" : "Entra ID"}`}${p.since ? ` on ${p.since.slice(0, 10)}` : ""}`,
    );
  if (list.length > MAX_LISTED) lines.push(`    … and ${list.length - MAX_LISTED} more (gongops leavers)`);
  return [`Leavers: ${head}`, ...lines, ""];
}

function newcomerLines(d: Digest): string[] {
  const list = d.newcomers ?? [];
  if (list.length === 0) return [];
  return [
    "",
    `New users with no activity since they were created (${list.length}): they ${NEWCOMER_ADVICE}.`,
    ...list
      .slice(0, MAX_LISTED)
      .map(
        (n) =>
          `    ${n.name}${n.email ? ` <${n.email}>` : ""}: created ${n.created.slice(0, 10)}, ${n.daysSinceCreated} days ago`,
      ),
    ...(list.length > MAX_LISTED ? [`    … and ${list.length - MAX_LISTED} more (gongops newcomers)`] : []),
  ];
}

/** `trend`: the inactive count over time as one line (a sparkline), when there is a trend to show. */
export function renderDigest(d: Digest, trend: string | null = null): string {
  const out = [...leaverLines(d), headlineText(d)];
  const cost = d.headline.yearlyCost;
  if (cost) out.push(`  (${money(cost.perSeat, cost.currency)} per seat a year)`);
  if (trend) out.push(`  Trend: ${trend} (gongops trend)`);
  const s = d.since;
  if (s && !d.news) out.push(noNewsLine(d));
  if (s && d.news) {
    out.push("", `Since the last digest (${utcMinute(s.previousAt)} UTC):`);
    out.push(
      ...people("newly inactive", s.newlyInactive),
      ...people("back in use", s.backInUse),
      ...changes("deactivated in Gong", s.deactivated),
      ...changes("joined", s.joined),
      ...changes("left", s.left),
      ...changes("manager changed", s.managerChanged, true),
    );
  }
  if (s?.pendingApprovals)
    out.push(
      `  pending deactivation requests: ${s.pendingApprovals.count}${s.pendingApprovals.oldestHours !== null ? `, oldest ${Math.round(s.pendingApprovals.oldestHours)} h` : ""}`,
    );
  if (d.kept?.length) {
    out.push("", `Kept, not flagged (${d.kept.length}):`);
    for (const k of d.kept.slice(0, MAX_LISTED)) out.push(`    ${k.name}: ${k.words}`);
    if (d.kept.length > MAX_LISTED) out.push(`    … and ${d.kept.length - MAX_LISTED} more`);
  }
  if (d.topManagers.length) {
    out.push("", "Managers with the most inactive reports:");
    for (const m of d.topManagers) out.push(`  ${String(m.inactiveReports).padStart(4)}  ${m.name}`);
  }
  out.push(...newcomerLines(d));
  if (!s) out.push("", "No earlier digest to compare with: the next one says what changed.");
  out.push(
    "",
    `Audit ${d.auditRunId}, directory snapshot ${d.snapshotGen}. The full list: gongops digest --json, or gongops audit --format csv.`,
  );
  return `${out.join("\n")}\n`;
}
