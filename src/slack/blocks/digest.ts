import { lookBackPhrase } from "../../audit/report.js";
import {
  type Digest,
  type DigestChange,
  type DigestPerson,
  digestLookBack,
  headlineText,
  money,
  noNewsLine,
} from "../../digest/digest.js";
import { nextRunText, statusText, whatItRuns } from "../../schedules/describe.js";
import type { ScheduleView } from "../../schedules/schedules.service.js";
import { escapeMrkdwn, literal } from "../mrkdwn.js";
import { actions, type Block, button, context, linesToSections, section } from "./common.js";

/** The digest and the schedule list in Block Kit: pure builders, every Gong text escaped. */
const LISTED = 10;

function who(p: { name: string; managerName?: string | null }): string {
  return `${literal(p.name)}${p.managerName ? ` _(${literal(p.managerName)})_` : ""}`;
}

function group(title: string, list: readonly (DigestPerson | DigestChange)[], line = who): string[] {
  if (list.length === 0) return [];
  const shown = list.slice(0, LISTED).map((p) => line(p as DigestPerson));
  const more = list.length > LISTED ? ` and ${list.length - LISTED} more` : "";
  return [`*${title}* (${list.length}): ${shown.join(", ")}${more}`];
}

export interface DigestBlockOptions {
  /** "Delayed, was due at …" when the run is late. */
  delayedNote: string | null;
  /** Where the full list is, said once it is there. */
  csvNote: string | null;
  /** The approvals flow's action, when it is wired in: a button for these N users. */
  requestAction: { actionId: string; value: string } | null;
}

export function digestBlocks(d: Digest, o: DigestBlockOptions): Block[] {
  const late = o.delayedNote ? [context(`:hourglass: ${escapeMrkdwn(o.delayedNote)}`)] : [];
  if (d.since && !d.news) return [section(`:white_check_mark: ${escapeMrkdwn(noNewsLine(d))}`), ...late];
  const cost = d.headline.yearlyCost;
  const blocks: Block[] = [
    section(
      `:bar_chart: *Gong seats:* ${escapeMrkdwn(headlineText(d))}${cost ? `\n_${escapeMrkdwn(money(cost.perSeat, cost.currency))} per seat a year_` : ""}`,
    ),
    ...late,
  ];
  const s = d.since;
  if (s) {
    const lines = [
      `*Since the last digest* (<!date^${Math.floor(Date.parse(s.previousAt) / 1000)}^{date_short_pretty}|${s.previousAt.slice(0, 10)}>)`,
      ...group("Newly inactive", s.newlyInactive),
      ...group("Back in use", s.backInUse),
      ...group("Deactivated in Gong", s.deactivated),
      ...group("Joined", s.joined),
      ...group("Left", s.left),
      ...group("Manager changed", s.managerChanged, (c) => {
        const ch = c as unknown as DigestChange;
        return `${literal(ch.name)} (${literal(ch.before ?? "none")} → ${literal(ch.after ?? "none")})`;
      }),
    ];
    if (s.pendingApprovals)
      lines.push(
        `*Pending deactivation requests:* ${s.pendingApprovals.count}${s.pendingApprovals.oldestHours !== null ? `, the oldest ${Math.round(s.pendingApprovals.oldestHours)} h old` : ""}`,
      );
    blocks.push(...linesToSections(lines));
  }
  if (d.kept?.length)
    blocks.push(
      ...linesToSections([
        `*Kept, not flagged* (${d.kept.length})`,
        ...d.kept.slice(0, LISTED).map((k) => `• ${literal(k.name)}: ${literal(k.words)}`),
        ...(d.kept.length > LISTED ? [`and ${d.kept.length - LISTED} more`] : []),
      ]),
    );
  if (d.topManagers.length)
    blocks.push(
      ...linesToSections([
        "*Managers with the most inactive reports*",
        ...d.topManagers.map((m) => `• ${literal(m.name)}: ${m.inactiveReports}`),
      ]),
    );
  if (o.requestAction && d.inactive.length > 0)
    blocks.push(
      actions(
        button(
          `Request deactivation for these ${d.inactive.length}`,
          o.requestAction.actionId,
          o.requestAction.value,
          "danger",
        ),
      ),
    );
  blocks.push(
    context(
      escapeMrkdwn(
        `${s ? "" : "First digest: the next one says what changed. "}Audit ${d.auditRunId} over ${lookBackPhrase({ lookbackDays: d.lookbackDays, lookBack: digestLookBack(d) })}${o.csvNote ? `; ${o.csvNote}` : ""}.`,
      ),
    ),
  );
  return blocks;
}

export function scheduleListBlocks(list: readonly ScheduleView[]): Block[] {
  if (list.length === 0)
    return [
      section('No schedules. Add one: `/gong schedule add "0 9 * * MON" audit-digest #channel --days 90`'),
    ];
  return linesToSections([
    "*Schedules*",
    ...list.map(
      (s) =>
        `*${s.id}* · ${escapeMrkdwn(whatItRuns(s))} · \`${escapeMrkdwn(s.cron)}\` ${escapeMrkdwn(s.timezone)}${s.channel ? ` · <#${s.channel}>` : ""}\n    next: ${escapeMrkdwn(nextRunText(s))} · last: ${s.failing ? ":warning: " : ""}${escapeMrkdwn(statusText(s))}`,
    ),
  ]);
}
