import type { RequestView } from "../../approvals/approvals.service.js";
import { stateLabel } from "../../approvals/states.js";
import { DAY_MS } from "../../approvals/types.js";
import type { RequestRow, SubjectRow } from "../../store/approvals.repo.js";
import { ACTIONS, VIEWS } from "../ids.js";
import { literal } from "../mrkdwn.js";
import { type Block, type Button, button, context, section } from "./common.js";
import { modal, reasonInput } from "./reasonModals.js";

/**
 * The seat holder's message (GONGOPS_NOTIFY_SUBJECT): a DM before their approver is asked, with "I still
 * need it" and "Release it"; once answered (or the notice is over) the buttons give way to what happened.
 */

/** The first day of the look-back their evidence covers: Gong saw nothing from them since then. */
function quietSince(s: SubjectRow, request: RequestRow): string {
  const end = Date.parse(s.activitySince ?? request.activitySince);
  const days = s.lookbackDays ?? request.lookbackDays;
  if (days) return new Date(end - days * DAY_MS).toISOString().slice(0, 10);
  return s.lastCallAt?.slice(0, 10) ?? s.created?.slice(0, 10) ?? "the start of the look-back";
}

/** The words the issue asks for, exactly. */
export function holderText(s: SubjectRow, request: RequestRow): string {
  return `Your Gong seat shows no activity since ${quietSince(s, request)}. It will be offered for removal on ${s.noticeUntil?.slice(0, 10) ?? "soon"}.`;
}

function releaseButton(s: SubjectRow, dryRun: boolean): Button {
  return {
    ...button("Release it", ACTIONS.holderRelease, String(s.id), "danger"),
    confirm: {
      title: { type: "plain_text", text: "Release your Gong seat?" },
      text: {
        type: "mrkdwn",
        text: dryRun
          ? "Dry run: nothing changes in Gong, whatever you answer."
          : "Your Gong seat is removed after the usual checks. Your calls and data stay, and an admin can reactivate you.",
      },
      confirm: { type: "plain_text", text: "Release it" },
      deny: { type: "plain_text", text: "Cancel" },
      style: "danger",
    },
  } as Button;
}

/** What happened since the question, for the message once the buttons are gone. */
function outcome(s: SubjectRow, dryRun: boolean): string {
  if (s.holderAnswer === "kept") return `You kept your Gong seat: ${literal(s.stateReason)}`;
  if (s.holderAnswer === "released")
    return `You released your Gong seat. Now: ${literal(stateLabel(s.state, dryRun))}`;
  if (s.state === "pending")
    return `No answer by ${s.noticeUntil?.slice(0, 10) ?? "the end of the notice"}: ${s.approverName ? `${literal(s.approverName)} decides` : "an admin decides"} now.`;
  return `Now: ${literal(stateLabel(s.state, dryRun))}${s.stateReason ? `: ${literal(s.stateReason)}` : ""}`;
}

export function holderMessage(s: SubjectRow, v: RequestView): { text: string; blocks: Block[] } {
  const text = holderText(s, v.request);
  const by = v.request.requestedBySlack ? `<@${v.request.requestedBySlack}>` : literal(v.request.requestedBy);
  const dry = v.dryRun ? " _(dry run: nothing changes in Gong whatever you answer)_" : "";
  const asked = context(
    `Request #${v.request.id} by ${by}: ${literal(v.request.reason)}. Your manager is asked only if you do not answer by then.`,
  );
  if (s.state !== "notice")
    return { text, blocks: [section(`${text}${dry}`), context(outcome(s, v.dryRun))] };
  return {
    text,
    blocks: [
      section(`${text}${dry}`),
      asked,
      {
        type: "actions",
        block_id: `holder-${s.id}`,
        elements: [
          button("I still need it", ACTIONS.holderKeep, String(s.id), "primary"),
          releaseButton(s, v.dryRun),
        ],
      },
    ],
  };
}

/** "I still need it" asks why: the reason is kept with the answer (and shown to whoever files again). */
export function holderKeepModal(subjectId: number) {
  return modal(VIEWS.holderKeep, String(subjectId), "Keep your Gong seat", "Keep it", [
    section(
      "You keep your Gong seat, and nobody asks again for a while. Say why: it is kept with your answer.",
    ),
    reasonInput("Why you still need it", false),
  ]);
}
