import type { AllMiddlewareArgs, Middleware, SlackViewMiddlewareArgs, ViewSubmitAction } from "@slack/bolt";
import { afterAck } from "../../../pace.js";
import { holderKeepModal } from "../../blocks/holder.js";
import { ACTIONS } from "../../ids.js";
import { type ActionArgs, ephemeral } from "../../middleware.js";
import { escapeMrkdwn } from "../../mrkdwn.js";
import type { SlackServices } from "../../services.js";

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * The seat holder's two buttons (GONGOPS_NOTIFY_SUBJECT, approvals/holder.ts). Only the person asked may
 * answer, and only while the question is open: the service says so, and this passes its words on.
 * "I still need it" asks for the reason in a modal first; "Release it" is their consent at once.
 */
export function holderAction(services: SlackServices): Middleware<ActionArgs> {
  return async ({ body, action, respond, client }) => {
    if (action.type !== "button") return;
    const subjectId = /^\d+$/.test(action.value ?? "") ? Number(action.value) : 0;
    const user = body.user.id;
    const refused = services.ctx.approvals.holderRefusal(subjectId, user);
    if (refused) {
      await ephemeral(respond, { text: escapeMrkdwn(refused) });
      return;
    }
    if (action.action_id === ACTIONS.holderKeep) {
      await client.views.open({ trigger_id: body.trigger_id, view: holderKeepModal(subjectId) as never });
      return;
    }
    const answer = services.ctx.approvals.holderReleases({ subjectId, slackUserId: user });
    await ephemeral(respond, {
      text: answer.ok
        ? "You released your Gong seat. It is removed after the usual checks; an admin can give it back."
        : escapeMrkdwn(answer.message),
    });
    if (answer.ok) await services.approvals?.render(answer.subject.requestId);
  };
}

/** "I still need it" submitted: kept, with the reason (required: it is what the next person reads). */
export function holderKeepSubmit(services: SlackServices) {
  return async ({ ack, body, view, client }: ViewArgs): Promise<void> => {
    const reason = view.state.values.reason?.reason?.value?.trim() ?? "";
    if (!reason) {
      await ack({ response_action: "errors", errors: { reason: "Say why you still need it." } });
      return;
    }
    await ack();
    await afterAck();
    const user = body.user.id;
    const answer = services.ctx.approvals.holderKeeps({
      subjectId: Number(view.private_metadata),
      slackUserId: user,
      reason,
    });
    try {
      if (!answer.ok) await client.chat.postMessage({ channel: user, text: escapeMrkdwn(answer.message) });
      else await services.approvals?.render(answer.subject.requestId);
    } catch (error) {
      services.log.warn("could not answer the seat holder", { reason: (error as Error).message });
    }
  };
}
