import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from "@slack/bolt";
import type { Actor } from "../../../approvals/approvals.service.js";
import { afterAck } from "../../../pace.js";
import { type OverrideMetadata, reasonOf } from "../../blocks/reasonModals.js";
import { explainError } from "../../explain.js";
import { escapeMrkdwn } from "../../mrkdwn.js";
import type { SlackServices } from "../../services.js";

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * The modals that carry a required reason (blocks/reasonModals.ts), submitted: an admin's decision in
 * the approver's place (an override), and Reactivate. A blank reason is refused in the modal itself;
 * otherwise the modal closes and the answer comes as a direct message (a submission has no
 * response_url), then the request's messages and the clicker's App Home follow the stored state.
 */
function submitted(
  services: SlackServices,
  what: string,
  blank: string,
  act: (input: {
    reason: string;
    actor: Actor;
    metadata: string;
  }) => Promise<{ text: string; requestId?: number }>,
) {
  return async ({ ack, body, view, client }: ViewArgs): Promise<void> => {
    const reason = reasonOf(view as never);
    if (!reason) {
      await ack({ response_action: "errors", errors: { reason: blank } });
      return;
    }
    await ack();
    await afterAck();
    const user = body.user.id;
    const say = (text: string) => client.chat.postMessage({ channel: user, text });
    try {
      const actor: Actor = {
        slackUserId: user,
        label: `<@${user}>`,
        isAdmin: await services.access.isAdmin(user, client),
      };
      const done = await act({ reason, actor, metadata: view.private_metadata });
      await say(done.text);
      if (done.requestId !== undefined) await services.approvals?.render(done.requestId);
      await services.home.refreshFor(client, user);
    } catch (error) {
      services.log.warn(`${what} failed`, { user, err: error });
      await say(`:warning: ${escapeMrkdwn(explainError(error))}`).catch((e: unknown) =>
        services.log.warn("could not answer the asker", { err: e }),
      );
    }
  };
}

/** An admin's Approve or Keep in the approver's place: decided as an override, with its reason. */
export function overrideModalSubmit(services: SlackServices) {
  return submitted(
    services,
    "an admin override",
    "An override needs a reason: say why you decide in their place.",
    async ({ reason, actor, metadata }) => {
      const m = JSON.parse(metadata) as OverrideMetadata;
      const [o] = await services.ctx.approvals.decide({
        subjectIds: [m.subjectId],
        decision: m.decision,
        actor,
        reason,
        override: true,
      });
      const requestId = services.ctx.repos.approvals.subject(m.subjectId)?.requestId;
      if (!o) return { text: "Nothing to decide." };
      const decided = o.outcome === "approved" || o.outcome === "kept";
      return {
        text: decided
          ? `${escapeMrkdwn(o.name)}: ${o.outcome} by you in the approver's place (an admin override: ${escapeMrkdwn(reason)})`
          : `${escapeMrkdwn(o.name)}: ${escapeMrkdwn(o.message)}`,
        requestId,
      };
    },
  );
}

/** Reactivate, confirmed with its reason. */
export function reactivateModalSubmit(services: SlackServices) {
  return submitted(
    services,
    "reactivate",
    "Say why they get their seat back.",
    async ({ reason, actor, metadata }) => {
      const s = await services.ctx.approvals.reactivateSubject({
        subjectId: Number(metadata),
        reason,
        actor,
      });
      return { text: `${escapeMrkdwn(s.name)} is active again in Gong.`, requestId: s.requestId };
    },
  );
}
