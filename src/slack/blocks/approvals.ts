import type { RequestView } from "../../approvals/approvals.service.js";
import { stateLabel } from "../../approvals/states.js";
import type { SubjectRow } from "../../store/approvals.repo.js";
import { utcMinute } from "../../time.js";
import { ACTIONS, VIEWS } from "../ids.js";
import { clip, email, literal } from "../mrkdwn.js";
import { type Block, type Button, button, context, header, section } from "./common.js";

/**
 * One approver's message for one request (pure, so tests can look at it): the subjects they decide on,
 * each with Approve (danger, confirmed) and Keep while pending, and who decided and when once decided.
 * Long lists are split into parts that stay inside Block Kit's 50 blocks.
 */
export const SUBJECTS_PER_MESSAGE = 15;

/** Who a subject's message goes to: a Slack user id, or "channel". */
export function approverKey(s: SubjectRow): string {
  return s.approverKind === "user" && s.approverSlackId ? s.approverSlackId : "channel";
}

/**
 * Whether the approver hears of a subject at all: not while its seat holder is asked first, and never
 * when the holder kept it (the approver is never asked); a holder's release they are told of.
 */
export function offered(s: SubjectRow): boolean {
  return s.state !== "notice" && s.holderAnswer !== "kept";
}

/** Whose message shows a subject: its approver's, and that of every approver it was taken from. */
export function shownTo(s: SubjectRow, key: string): boolean {
  return offered(s) && (approverKey(s) === key || s.formerApprovers.includes(key));
}

/** Who decides on a subject now, for the message of an approver it was taken from. */
function decidesNow(s: SubjectRow): string {
  if (s.approverKind === "user" && s.approverSlackId) return `<@${s.approverSlackId}> decides now`;
  if (s.approverKind === "channel") return "the approvals channel decides now (any admin)";
  return "it is being assigned again";
}

function lastCall(s: SubjectRow, lookbackDays: number | null, now: Date): string {
  if (s.lastCallAt) return `last call ${s.lastCallAt.slice(0, 10)}`;
  if (lookbackDays) return `no call in ${lookbackDays} days`;
  const days = Math.floor((now.getTime() - Date.parse(s.created ?? now.toISOString())) / 86_400_000);
  return days > 0 ? `no call on record (in Gong for ${days} days)` : "no call on record";
}

export function approveButton(s: SubjectRow, dryRun: boolean): Button {
  return {
    ...button("Approve", ACTIONS.approve, String(s.id), "danger"),
    confirm: {
      title: { type: "plain_text", text: dryRun ? "Approve the dry run?" : "Deactivate in Gong?" },
      text: {
        type: "mrkdwn",
        text: dryRun
          ? `Dry run: ${literal(s.name)} would be deactivated; nothing changes in Gong and they keep their seat.`
          : `${literal(s.name)} loses their Gong seat. Their calls and data stay, and an admin can reactivate them.`,
      },
      confirm: { type: "plain_text", text: dryRun ? "Approve (dry run)" : "Deactivate" },
      deny: { type: "plain_text", text: "Cancel" },
      style: "danger",
    },
  } as Button;
}

/** Retry on a failed deactivation (admins; the click is checked): confirmed, every check runs again. */
export function retryButton(s: SubjectRow): Button {
  return {
    ...button("Retry", ACTIONS.retry, String(s.id)),
    confirm: {
      title: { type: "plain_text", text: "Run it again?" },
      text: {
        type: "mrkdwn",
        text: `The deactivation of ${literal(s.name)} runs again, without a new approval. Every check before a change runs again first; the trail records that you retried it.`,
      },
      confirm: { type: "plain_text", text: "Retry" },
      deny: { type: "plain_text", text: "Cancel" },
    },
  } as Button;
}

function subjectBlocks(s: SubjectRow, v: RequestView, key: string, now: Date): Block[] {
  const line =
    `*${literal(s.name)}*${s.title ? ` · ${literal(s.title)}` : ""} · ${email(s.email)}\n` +
    `${lastCall(s, s.lookbackDays ?? v.request.lookbackDays, now)} · in Gong since ${s.created?.slice(0, 10) ?? "unknown"}` +
    (s.evidence ? `\n_${literal(s.evidence)}_` : "");
  if (approverKey(s) !== key && s.state === "pending")
    // Taken from this approver (escalated, or they may no longer decide): no buttons, who decides now.
    return [section(line), context(`*moved:* ${decidesNow(s)} · ${literal(s.approverReason)}`)];
  if (s.state === "pending")
    return [
      section(line),
      {
        type: "actions",
        block_id: `subject-${s.id}`,
        elements: [approveButton(s, v.dryRun), button("Keep", ACTIONS.keep, String(s.id))],
      },
    ];
  const who = s.decidedBy
    ? ` by ${/^[UW][A-Z0-9]+$/.test(s.decidedBy) ? `<@${s.decidedBy}>` : literal(s.decidedBy)}`
    : "";
  const when = s.decidedAt ? ` on ${utcMinute(s.decidedAt)} UTC` : "";
  const note = s.waitingNote ?? s.stateReason;
  const blocks = [
    section(line),
    context(`*${stateLabel(s.state, v.dryRun)}*${who}${when}${note ? `: ${literal(note)}` : ""}`),
  ];
  if (s.state === "done" && !v.dryRun)
    blocks.push({ type: "actions", elements: [button("Reactivate", ACTIONS.reactivate, String(s.id))] });
  return blocks;
}

export function approvalMessages(
  v: RequestView,
  key: string,
  now: Date,
): { text: string; blocks: Block[] }[] {
  const mine = v.subjects.filter((s) => shownTo(s, key));
  const parts: { text: string; blocks: Block[] }[] = [];
  const dry = v.dryRun ? " (DRY RUN: nobody is deactivated)" : "";
  for (let i = 0; i < Math.max(1, mine.length); i += SUBJECTS_PER_MESSAGE) {
    const slice = mine.slice(i, i + SUBJECTS_PER_MESSAGE);
    const blocks: Block[] = [
      header(`Deactivation request #${v.request.id}${v.dryRun ? " (dry run)" : ""}`),
      section(
        `${v.request.requestedBySlack ? `<@${v.request.requestedBySlack}>` : literal(v.request.requestedBy)} asks to deactivate ${mine.length === 1 ? "this Gong user" : `these ${mine.length} Gong users`}${dry}.\n*Reason:* ${literal(v.request.reason)}`,
      ),
      context(
        `Why you: ${literal(slice[0]?.approverReason ?? "")} · filed ${utcMinute(v.request.createdAt)} UTC` +
          (mine.length > SUBJECTS_PER_MESSAGE
            ? ` · part ${i / SUBJECTS_PER_MESSAGE + 1} of ${Math.ceil(mine.length / SUBJECTS_PER_MESSAGE)}`
            : ""),
      ),
    ];
    for (const s of slice) blocks.push(...subjectBlocks(s, v, key, now));
    const pending = slice.filter((s) => s.state === "pending" && approverKey(s) === key);
    if (pending.length > 1)
      blocks.push({
        type: "actions",
        elements: [
          {
            ...button(
              `Approve all ${pending.length} listed`,
              ACTIONS.approveAll,
              pending.map((s) => s.id).join(","),
              "danger",
            ),
            confirm: {
              title: { type: "plain_text", text: "Approve all listed?" },
              text: {
                type: "mrkdwn",
                text: v.dryRun
                  ? `Dry run: ${pending.length} Gong users would be deactivated; nothing changes in Gong.`
                  : `${pending.length} Gong users will be deactivated.`,
              },
              confirm: { type: "plain_text", text: "Approve all" },
              deny: { type: "plain_text", text: "Cancel" },
              style: "danger",
            },
          } as Button,
        ],
      });
    parts.push({ text: `Deactivation request #${v.request.id}${dry}`, blocks });
  }
  return parts;
}

/** The manual-mode task for the approvals channel. */
export function taskText(s: SubjectRow): string {
  return (
    `:clipboard: Approved: remove *${literal(s.name)}* (${email(s.email)}) from the Gong app in your identity provider. ` +
    "gongops closes this when a directory sync shows them inactive. (If the IdP provisions Gong, a change made only in Gong is undone by its next push.)"
  );
}

/** The "Request deactivation…" modal of an audit: all its inactive users or a subset, a reason, dry run. */
export function requestModal(
  runId: number,
  users: readonly { id: string; name: string; email: string | null }[],
) {
  const options = users.slice(0, 100).map((u) => ({
    text: {
      type: "plain_text" as const,
      text: clipPlain(`${u.name}${u.email ? ` · ${u.email}` : ""}`, 75),
      emoji: false,
    },
    value: u.id,
  }));
  return {
    type: "modal" as const,
    callback_id: VIEWS.requestDeactivation,
    private_metadata: String(runId),
    title: { type: "plain_text" as const, text: "Request deactivation" },
    submit: { type: "plain_text" as const, text: "Send to approvers" },
    close: { type: "plain_text" as const, text: "Cancel" },
    blocks: [
      section(
        `${users.length} inactive user${users.length === 1 ? "" : "s"} in audit ${runId}. Each goes to their manager (or the next one up) to approve; nobody is deactivated before that.`,
      ),
      {
        type: "input",
        block_id: "users",
        optional: true,
        label: { type: "plain_text", text: `Only these users (empty: all ${users.length})` },
        element: { type: "multi_static_select", action_id: "users", options },
      },
      {
        type: "input",
        block_id: "reason",
        label: { type: "plain_text", text: "Reason (the approvers see it)" },
        element: { type: "plain_text_input", action_id: "reason", multiline: true, max_length: 500 },
      },
      {
        type: "input",
        block_id: "dry",
        optional: true,
        label: { type: "plain_text", text: "Dry run" },
        element: {
          type: "checkboxes",
          action_id: "dry",
          options: [
            { text: { type: "plain_text", text: "Dry run: everything but the deactivation" }, value: "dry" },
          ],
        },
      },
    ] as Block[],
  };
}

function clipPlain(text: string, max: number): string {
  const t = text.replace(/</g, "‹").replace(/>/g, "›");
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}

/** App Home's approvals part: the viewer's pending decisions (with the buttons), and for admins the overview. */
export interface HomeApprovals {
  pending: readonly SubjectRow[];
  admin: { open: number; cap: { used: number; cap: number }; failed: readonly SubjectRow[] } | null;
}

export const HOME_PENDING_MAX = 10;
export const HOME_FAILED_MAX = 5;

export function approvalsHomeBlocks(h: HomeApprovals): Block[] {
  const blocks: Block[] = [];
  if (h.pending.length > 0) {
    blocks.push(section(`*Waiting for your decision* (${h.pending.length})`));
    for (const s of h.pending.slice(0, HOME_PENDING_MAX)) {
      blocks.push(
        section(
          `*${literal(s.name)}*${s.title ? ` · ${literal(s.title)}` : ""} · ${email(s.email)} · request #${s.requestId}${s.dryRun ? " (dry run: would be deactivated, nothing changes)" : ""}`,
        ),
        {
          type: "actions",
          elements: [approveButton(s, s.dryRun), button("Keep", ACTIONS.keep, String(s.id))],
        },
      );
    }
    if (h.pending.length > HOME_PENDING_MAX)
      blocks.push(context(`${h.pending.length - HOME_PENDING_MAX} more in your direct messages.`));
  }
  if (h.admin) {
    const failed = h.admin.failed.slice(0, HOME_FAILED_MAX);
    blocks.push(
      section(
        `*Deactivation requests*\n${h.admin.open} open · ${h.admin.cap.used} of ${h.admin.cap.cap} deactivations today (GONGOPS_MAX_DEACTIVATIONS_PER_DAY)` +
          (failed.length ? "\n*Failed:*" : ""),
      ),
    );
    // Each failure with its Retry (once the cause is fixed): one block each.
    for (const s of failed)
      blocks.push({
        ...section(
          `• ${literal(s.name)} · request #${s.requestId}: ${literal(clip(s.stateReason ?? "failed", 600))}`,
        ),
        accessory: retryButton(s),
      } as Block);
    if (h.admin.failed.length > failed.length)
      blocks.push(
        context(`${h.admin.failed.length - failed.length} more failed: \`gongops requests\` lists them.`),
      );
  }
  return blocks;
}
