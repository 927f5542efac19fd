import { VIEWS } from "../ids.js";
import { literal, plain } from "../mrkdwn.js";
import { type Block, section } from "./common.js";

/**
 * The modals that ask for a reason before a decision is taken: Keep's (optional), an admin's override
 * (required: the trail records it), and Reactivate's (required, as the CLI's --reason; the modal is also
 * the confirmation). Pure, so tests can look at them.
 */

export function reasonInput(label: string, optional: boolean): Block {
  return {
    type: "input",
    block_id: "reason",
    optional,
    label: plain(label, 2000),
    element: { type: "plain_text_input", action_id: "reason", multiline: !optional, max_length: 500 },
  } as Block;
}

export function modal(callbackId: string, metadata: string, title: string, submit: string, blocks: Block[]) {
  return {
    type: "modal" as const,
    callback_id: callbackId,
    private_metadata: metadata,
    title: plain(title, 24),
    submit: plain(submit, 24),
    close: plain("Cancel", 24),
    blocks,
  };
}

/** Keep's modal: an optional reason the trail records. */
export function keepModal(subjectId: number, name: string) {
  return modal(VIEWS.keepReason, String(subjectId), "Keep in Gong", "Keep", [
    section(`${literal(name)} keeps their Gong seat.`),
    reasonInput("Why (optional)", true),
  ]);
}

/** What an override modal carries to its submission. */
export interface OverrideMetadata {
  subjectId: number;
  decision: "approve" | "keep";
}

/**
 * An admin deciding in the assigned approver's place (`approver`: "<@U…>" or "the approvals channel"):
 * the reason is required, and the trail records the decision as an override.
 */
export function overrideModal(m: OverrideMetadata, s: { name: string; approver: string; dryRun: boolean }) {
  const what =
    m.decision === "approve"
      ? s.dryRun
        ? `*Approve* the dry run for ${literal(s.name)} (nothing changes in Gong)`
        : `*Approve* deactivating ${literal(s.name)} in Gong`
      : `*Keep* ${literal(s.name)} in Gong`;
  return modal(
    VIEWS.overrideReason,
    JSON.stringify(m),
    m.decision === "approve" ? "Approve as admin" : "Keep as admin",
    m.decision === "approve" ? "Approve" : "Keep",
    [
      section(
        `${what}, in place of ${s.approver}, who was asked. The trail records it as an admin override, with your reason.`,
      ),
      reasonInput("Why you decide in their place", false),
    ],
  );
}

/** Reactivate: the reason (required) and the confirmation in one. */
export function reactivateModal(subjectId: number, name: string) {
  return modal(VIEWS.reactivateReason, String(subjectId), "Reactivate in Gong", "Reactivate", [
    section(
      `${literal(name)} gets their Gong seat back: gongops undoes its deactivation (SCIM active=true, or the assignment in the identity provider put back). The trail records who and why.`,
    ),
    reasonInput("Why (the trail records it)", false),
  ]);
}

/** The reason typed into one of these modals, trimmed ("" when none). */
export function reasonOf(view: {
  state: { values: Record<string, Record<string, { value?: string | null }>> };
}) {
  return view.state.values.reason?.reason?.value?.trim() ?? "";
}
