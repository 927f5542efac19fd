import type { RequestView } from "../../approvals/approvals.service.js";
import { subjectRef } from "../../approvals/refs.js";
import { stateLabel } from "../../approvals/states.js";
import type { TrailRow } from "../../store/approvals.repo.js";
import { utcMinute } from "../../time.js";
import { ACTIONS } from "../ids.js";
import { clip, email, literal } from "../mrkdwn.js";
import { approveButton, retryButton } from "./approvals.js";
import { type Block, button, context, linesToSections, section } from "./common.js";

/**
 * `/gong requests` and `/gong trail`: what `gongops requests` and `gongops trail` print, inside Block
 * Kit's limits (50 blocks, 3,000 characters a text). Past them the answer stops with a count and the
 * command that has the rest.
 */
export const REQUESTS_MAX = 20;
export const SUBJECTS_MAX = 20;
export const TRAIL_MAX = 40;

/** "<@U1>" stays a mention (the trail stores Slack users so); any other actor is text, escaped. */
function who(actor: string): string {
  return /^<@[UW][A-Z0-9]+>$/.test(actor) ? actor : literal(actor);
}

function requester(v: RequestView): string {
  return v.request.requestedBySlack ? `<@${v.request.requestedBySlack}>` : literal(v.request.requestedBy);
}

function counts(v: RequestView): string {
  const by = new Map<string, number>();
  for (const s of v.subjects) {
    const label = stateLabel(s.state, v.dryRun);
    by.set(label, (by.get(label) ?? 0) + 1);
  }
  return [...by].map(([label, n]) => `${n} ${label}`).join(", ");
}

/** The open requests, newest first, and today's deactivations against the cap. */
export function requestsBlocks(views: readonly RequestView[], cap: { used: number; cap: number }): Block[] {
  const shown = views.slice(0, REQUESTS_MAX);
  const lines = shown.map(
    (v) =>
      `*#${v.request.id}*${v.dryRun ? " (dry run)" : ""} · ${utcMinute(v.request.createdAt)} UTC · by ${requester(v)} · ` +
      `${v.subjects.length} user${v.subjects.length === 1 ? "" : "s"}: ${counts(v)}\n      _${literal(clip(v.request.reason, 300))}_`,
  );
  return [
    section(
      views.length === 0
        ? "*No open deactivation requests.*"
        : `*${views.length} open deactivation request${views.length === 1 ? "" : "s"}*`,
    ),
    ...linesToSections(lines),
    ...(views.length > shown.length
      ? [context(`${views.length - shown.length} more: \`gongops requests --open\` lists them all.`)]
      : []),
    context(
      `Deactivations today: ${cap.used} of ${cap.cap} (GONGOPS_MAX_DEACTIVATIONS_PER_DAY) · \`/gong requests <id>\` shows one, with its buttons`,
    ),
  ];
}

/**
 * One request, as `gongops requests show`: each user with where they stand, and the buttons that apply
 * (Approve and Keep while pending: an admin deciding in the approver's place is asked for a reason;
 * Retry when failed).
 */
export function requestBlocks(v: RequestView): Block[] {
  const r = v.request;
  const blocks: Block[] = [
    section(
      `*Deactivation request #${r.id}*${v.dryRun ? " (dry run: nobody is deactivated)" : ""}, by ${requester(v)} on ${utcMinute(r.createdAt)} UTC\n*Reason:* ${literal(clip(r.reason, 1000))}`,
    ),
  ];
  for (const s of v.subjects.slice(0, SUBJECTS_MAX)) {
    const approver =
      s.approverKind === "user" && s.approverSlackId
        ? `<@${s.approverSlackId}>`
        : s.approverKind === "channel"
          ? "the approvals channel"
          : "being assigned";
    const note = s.waitingNote ?? s.stateReason;
    const line =
      `*${literal(s.name)}* ${email(s.email)} · subject ${subjectRef(s, v.subjects)}: *${stateLabel(s.state, v.dryRun)}*` +
      (s.state === "pending" || s.state === "notice" ? ` · decides: ${approver}` : "") +
      (note ? `\n_${literal(clip(note, 600))}_` : "");
    const buttons =
      s.state === "pending"
        ? [approveButton(s, v.dryRun), button("Keep", ACTIONS.keep, String(s.id))]
        : s.state === "failed"
          ? [retryButton(s)]
          : [];
    blocks.push(section(line));
    if (buttons.length) blocks.push({ type: "actions", elements: buttons });
  }
  if (v.subjects.length > SUBJECTS_MAX)
    blocks.push(
      context(
        `${v.subjects.length - SUBJECTS_MAX} more users: \`gongops requests show ${r.id}\` lists them all.`,
      ),
    );
  return blocks;
}

/** The trail, newest first; `about`: whose it is when one person's was asked for. */
export function trailBlocks(
  rows: readonly TrailRow[],
  names: ReadonlyMap<number, string>,
  about: string | null,
): Block[] {
  const newest = [...rows].reverse().slice(0, TRAIL_MAX);
  const lines = newest.map(
    (t) =>
      `\`${utcMinute(t.at)}\` #${t.requestId} · *${literal(names.get(t.subjectId) ?? `subject ${t.subjectId}`)}*: ` +
      `${t.fromState ?? "filed"} → ${t.toState} · ${who(t.actor)}${t.override ? " *(override)*" : ""}` +
      (t.why ? ` · _${literal(clip(t.why, 300))}_` : ""),
  );
  const title = about ? `*The trail of ${literal(about)}*` : "*The trail*";
  return [
    section(rows.length === 0 ? `${title}: nothing recorded yet.` : `${title}, newest first`),
    ...linesToSections(lines),
    ...(rows.length > newest.length
      ? [
          context(
            `The newest ${newest.length} of ${rows.length} rows. \`gongops trail --format csv\` has them all (\`--since <date>\` for fewer).`,
          ),
        ]
      : []),
  ];
}
