import { money } from "../../digest/digest.js";
import { SOURCE_WORDS } from "../../leavers/core.js";
import { NEWCOMER_ADVICE, type Newcomer } from "../../leavers/newcomers.js";
import type { LeaverNotice, LeaversBrief, LeaversView } from "../../leavers/types.js";
import { ACTIONS } from "../ids.js";
import { email, escapeMrkdwn, literal } from "../mrkdwn.js";
import { actions, type Block, button, context, linesToSections, section } from "./common.js";

/** What the admins see about leavers and stuck newcomers. Every name and address from Gong is escaped. */

function evidenceWords(source: LeaverNotice["leaver"]["source"], since: string | null): string {
  const what =
    source === "slack" ? "deactivated in Slack" : `suspended or disabled in ${SOURCE_WORDS[source]}`;
  return `${what}${since ? ` on ${since.slice(0, 10)}` : ""}`;
}

/** A leaver's notice: who, their manager in Gong, the seat's cost, and the one button (or the request). */
export function leaverNoticeMessage(n: LeaverNotice): { text: string; blocks: Block[] } {
  const l = n.leaver;
  const cost = n.seatCost ? `${money(n.seatCost.amount, n.seatCost.currency)} a year` : null;
  const text = `${l.name} left the company (${evidenceWords(l.source, l.since)}) and still holds a Gong seat.`;
  const lines = [
    `:wave: *${literal(l.name)}* ${email(l.email)} left the company: ${escapeMrkdwn(evidenceWords(l.source, l.since))}, and still holds a paid Gong seat.`,
    `Manager in Gong: ${n.manager ? literal(n.manager) : "_none_"}${cost ? ` · Seat: ${escapeMrkdwn(cost)}` : ""}`,
  ];
  const blocks: Block[] = [section(lines.join("\n"))];
  if (n.request)
    blocks.push(
      context(
        `Deactivation request #${n.request.id}${n.request.dryRun ? " (dry run)" : ""} filed: ${literal(n.request.approver)} decides. Reason: ${escapeMrkdwn(n.reason)}`,
      ),
    );
  else if (n.refused) blocks.push(context(`Not filed: ${escapeMrkdwn(n.refused)}`));
  if (n.offerButton) {
    blocks.push(actions(button("Request deactivation", ACTIONS.requestLeaver, l.userId, "primary")));
    blocks.push(context(`The request goes to their approver with the reason "${escapeMrkdwn(n.reason)}".`));
  }
  return { text, blocks };
}

/** The notice once the account came back. */
export function leaverBackMessage(who: { name: string; why: string }): { text: string; blocks: Block[] } {
  const text = `${who.name} is back: ${who.why}. Any pending deactivation request for them was withdrawn.`;
  return {
    text,
    blocks: [
      section(
        `:leftwards_arrow_with_hook: *${literal(who.name)}* is back: ${escapeMrkdwn(who.why)}. Any pending deactivation request for them was withdrawn.`,
      ),
    ],
  };
}

/** One DM per admin about a stuck newcomer: never filed, what to check in Gong. */
export function newcomerMessage(n: Newcomer, manager: string | null): { text: string; blocks: Block[] } {
  const text = `${n.name} was created in Gong ${n.daysSinceCreated} days ago and shows no activity: they ${NEWCOMER_ADVICE}.`;
  return {
    text,
    blocks: [
      section(
        `:seedling: *${literal(n.name)}* ${email(n.email)}${n.title ? ` (${literal(n.title)})` : ""} was created in Gong on ${n.created.slice(0, 10)} (${n.daysSinceCreated} days ago) and shows no activity of any kind since.\nManager in Gong: ${manager ? literal(manager) : "_none_"}`,
      ),
      context(`They ${escapeMrkdwn(NEWCOMER_ADVICE)}. gongops never files them for deactivation.`),
    ],
  };
}

/** `/gong leavers`: the list, the yearly cost, who is not in Slack, as of when. */
export function leaversBlocks(v: LeaversView): Block[] {
  const cost = v.yearlyCost ? ` — ${money(v.yearlyCost.amount, v.yearlyCost.currency)} a year` : "";
  const head =
    v.leavers.length === 0
      ? "*No leavers*: every active Gong user with a Slack account is still in Slack."
      : `*${v.leavers.length} ${v.leavers.length === 1 ? "person left the company and still holds" : "people left the company and still hold"} a Gong seat*${escapeMrkdwn(cost)}`;
  const lines = v.rows.map((r) => {
    const m = v.managers.get(r.userId);
    return `• ${literal(r.name)} ${email(r.email)}: ${escapeMrkdwn(evidenceWords(r.source, r.since))}${m ? ` · manager ${literal(m)}` : ""}`;
  });
  const apart = v.notInSlack.length
    ? [
        `*Not in Slack* (${v.notInSlack.length}, never counted as leavers: contractors, Gong-only users)`,
        ...v.notInSlack.slice(0, 50).map((p) => `• ${literal(p.name)} ${email(p.email)}`),
        ...(v.notInSlack.length > 50 ? [`… and ${v.notInSlack.length - 50} more (gongops leavers)`] : []),
      ]
    : [];
  return [
    section(head),
    ...linesToSections(lines.slice(0, 100)),
    ...(lines.length > 100 ? [context(`… and ${lines.length - 100} more (gongops leavers)`)] : []),
    ...linesToSections(apart),
    context(
      `Checked ${v.checkedAt ? `${v.checkedAt.slice(0, 16).replace("T", " ")} UTC` : "never"} against ${v.sources.map((s) => SOURCE_WORDS[s]).join(" and ") || "nothing"}; the Gong directory as of ${v.snapshotAt ? `${v.snapshotAt.slice(0, 16).replace("T", " ")} UTC` : "never"}.`,
    ),
  ];
}

/**
 * The line an audit's summary ends with: who left and still holds a seat, as the leavers service last
 * found them (a leaver may still show activity in the look-back, so the inactive list can miss them).
 * Nothing before a first check.
 */
export function leaversAuditBlock(v: LeaversBrief): Block | null {
  if (!v.checkedAt) return null;
  const n = v.rows.length;
  if (n === 0) return context(":wave: Leavers: none still holds a Gong seat.");
  const cost = v.yearlyCost ? ` (${money(v.yearlyCost.amount, v.yearlyCost.currency)} a year)` : "";
  const names = v.rows.slice(0, 5).map((r) => literal(r.name));
  const more = n > 5 ? ` and ${n - 5} more` : "";
  return context(
    `:wave: Leavers: ${n} ${n === 1 ? "person who left the company still holds" : "people who left the company still hold"} a Gong seat${escapeMrkdwn(cost)}: ${names.join(", ")}${more}. \`/gong leavers\` lists them.`,
  );
}
