import type { AuditRunRow } from "../../store/audits.repo.js";
import type { SyncRunRow } from "../../store/syncRuns.repo.js";
import { utcMinute } from "../../time.js";
import { escapeMrkdwn, literal, plain } from "../mrkdwn.js";
import { approvalsHomeBlocks, type HomeApprovals } from "./approvals.js";
import { type Block, context, divider, header, section } from "./common.js";
import { helpBlocks, type Subcommand } from "./help.js";

/** App Home: the last sync, the last audit, and what the viewer can run. */
export interface HomeState {
  lastSync: SyncRunRow | null;
  lastAudit: AuditRunRow | null;
  lastAuditLink: string | null;
  allowed: Subcommand[];
  isAdmin: boolean;
  approvals?: HomeApprovals;
  /** Schedules whose channel refuses the bot (shown to admins). */
  failingSchedules?: readonly { id: number; kind: string; failing: string | null }[];
  /** What deactivations reclaimed, and the newest trend chart a digest uploaded (its Slack file). */
  trend?: HomeTrend;
  /** Leavers still holding a seat, and stuck newcomers (shown to admins); null before any check. */
  leavers?: { leavers: number | null; newcomers: number | null };
}

export interface HomeTrend {
  /** "12 seats, $17,280 a year" or "none yet". */
  reclaimed: string;
  chart: { fileId: string; altText: string; uploadedAt: Date } | null;
}

/** The trend: the reclaimed total, and the latest chart as an image of the uploaded file (slack_file). */
export function trendHomeBlocks(t: HomeTrend): Block[] {
  const blocks: Block[] = [
    section(
      `*Unused seats*\nReclaimed so far: *${escapeMrkdwn(t.reclaimed)}* (finished deactivations, net of reactivations).${t.chart ? "" : " The trend chart comes with the next scheduled digest."}`,
    ),
  ];
  if (t.chart)
    blocks.push({
      type: "image",
      slack_file: { id: t.chart.fileId },
      alt_text: t.chart.altText.slice(0, 2000),
      title: plain(`Unused Gong seats, as of ${utcMinute(t.chart.uploadedAt)} UTC`, 2000),
    });
  return blocks;
}

function when(iso: string | null): string {
  if (!iso) return "never";
  const seconds = Math.floor(Date.parse(iso) / 1000);
  // Slack renders the date in each viewer's own time zone.
  return `<!date^${seconds}^{date_short_pretty} {time}|${utcMinute(iso)} UTC>`;
}

export function homeBlocks(s: HomeState): Block[] {
  const sync = s.lastSync;
  const changes = sync
    ? Object.entries(sync.counts)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${n} ${k.replace("_", " ")}`)
        .join(", ") || "no changes"
    : "";
  const audit = s.lastAudit;
  const auditText = !audit
    ? "No audit yet."
    : audit.status === "succeeded"
      ? `${when(audit.finishedAt)}: *${audit.inactive}* of ${audit.candidates} active users ${audit.activityRule === "any" ? "showed no Gong activity" : "hosted no call"} in ${audit.lookbackDays} days.${s.lastAuditLink ? ` <${s.lastAuditLink}|See the results>` : ""}`
      : `Audit ${audit.id} is ${audit.status}${audit.resumeAt ? `, resuming at ${when(audit.resumeAt)}` : ""}.${audit.error ? ` ${literal(audit.error)}` : ""}`;
  return [
    header("gongops"),
    section(
      `*Directory*\n${sync ? `Synced ${when(sync.finishedAt)}: ${sync.usersSeen} users, ${changes}.` : "Not synced yet."}`,
    ),
    section(`*Inactive-user audit*\n${auditText}`),
    ...(s.trend ? trendHomeBlocks(s.trend) : []),
    ...(s.isAdmin && s.leavers ? [leaversHomeBlock(s.leavers)] : []),
    ...(s.approvals ? approvalsHomeBlocks(s.approvals) : []),
    ...(s.isAdmin && s.failingSchedules?.length
      ? [
          section(
            `*Schedules failing*\n${s.failingSchedules
              .slice(0, 20)
              .map((f) => `:warning: Schedule ${f.id} (${f.kind}): ${literal(f.failing)}`)
              .join("\n")}`,
          ),
        ]
      : []),
    divider,
    ...helpBlocks(s.allowed),
    ...(s.isAdmin ? [] : [context("Audits, syncs and exemptions are for gongops admins.")]),
  ];
}

/** Leavers and stuck newcomers, as counts (`/gong leavers`, `/gong newcomers` list them). */
function leaversHomeBlock(l: NonNullable<HomeState["leavers"]>): Block {
  const leavers =
    l.leavers === null
      ? "not checked yet"
      : `*${l.leavers}* ${l.leavers === 1 ? "person left the company and still holds" : "people left the company and still hold"} a Gong seat`;
  const newcomers =
    l.newcomers === null
      ? ""
      : ` · *${l.newcomers}* new user${l.newcomers === 1 ? "" : "s"} with no activity since creation (a missing role or license?)`;
  return section(`*Leavers*\n${leavers}${newcomers}`);
}
