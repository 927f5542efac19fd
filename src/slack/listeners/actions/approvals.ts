import type { AllMiddlewareArgs, Middleware, SlackViewMiddlewareArgs, ViewSubmitAction } from "@slack/bolt";
import type { Actor } from "../../../approvals/approvals.service.js";
import { afterAck } from "../../../pace.js";
import { keepModal, overrideModal, reactivateModal } from "../../blocks/reasonModals.js";
import { ACTIONS } from "../../ids.js";
import { type ActionArgs, replyTo } from "../../middleware.js";
import { escapeKeepingMentions, escapeMrkdwn } from "../../mrkdwn.js";
import type { SlackServices } from "../../services.js";

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
type WebClient = AllMiddlewareArgs["client"];

/**
 * The app's own workspace (auth.test's team_id), asked once per app and remembered once Slack has
 * answered. A check that failed (Slack down for a moment) is asked again on the next click: remembered,
 * it refused every click until a restart. Concurrent clicks share one question.
 */
function ownWorkspace(): (client: WebClient) => Promise<string | undefined> {
  let known: string | undefined;
  let asking: Promise<string | undefined> | null = null;
  return async (client) => {
    if (known) return known;
    asking ??= client.auth
      .test()
      .then((r) => (known = r.team_id))
      .finally(() => {
        asking = null;
      });
    return asking;
  };
}

/**
 * Approve, Keep, "Approve all listed", Reactivate and Retry on a request message, after the ack and
 * behind explainErrors (middleware.ts). The service decides who may decide; this checks the payload's
 * team, answers the clicker at once (through response_url, or in a direct message from App Home), then
 * re-renders the messages from the stored state (buttons gone, who and when shown). An admin's Approve
 * or Keep on someone else's decision asks for the override's reason first (decisionModals.ts), as
 * Reactivate asks for its reason.
 */
export function approvalAction(services: SlackServices): Middleware<ActionArgs> {
  const ownTeam = ownWorkspace();
  return async (args) => {
    const { body, action, client } = args;
    // In App Home Slack sends no response_url: the answer then comes as a direct message.
    const answer = replyTo(args);
    const reply = (text: string) => answer({ text });
    {
      if (action.type !== "button") return;
      const team = await ownTeam(client);
      const payloadTeam = body.team?.id ?? body.user.team_id;
      if (team && payloadTeam !== team) {
        services.log.warn("refused a click from another workspace", {
          team: payloadTeam,
          user: body.user.id,
        });
        await reply("This request belongs to another workspace.");
        return;
      }
      const ids = (action.value ?? "")
        .split(",")
        .filter((v) => /^\d+$/.test(v))
        .map(Number);
      const actor: Actor = {
        slackUserId: body.user.id,
        label: `<@${body.user.id}>`,
        isAdmin: await services.access.isAdmin(body.user.id, client),
      };
      const open = (view: object) => client.views.open({ trigger_id: body.trigger_id, view: view as never });
      const id = ids[0] ?? 0;
      const single = action.action_id === ACTIONS.keep || action.action_id === ACTIONS.approve;
      // Keep always asks for its optional reason first; an admin deciding in someone's place asks for
      // the override's reason. Either way the decision is taken when the modal is submitted.
      if (action.action_id === ACTIONS.keep || (single && actor.isAdmin)) {
        const refused = await services.ctx.approvals.refusal(id, actor);
        const s = services.ctx.repos.approvals.subject(id);
        if (
          refused &&
          actor.isAdmin &&
          s &&
          !(await services.ctx.approvals.refusal(id, actor, { asOverride: true }))
        ) {
          const approver =
            s.approverKind === "user" && s.approverSlackId
              ? `<@${s.approverSlackId}>`
              : "the approvals channel";
          const decision = action.action_id === ACTIONS.keep ? "keep" : "approve";
          await open(
            overrideModal({ subjectId: id, decision }, { name: s.name, approver, dryRun: s.dryRun }),
          );
          return;
        }
        if (refused) {
          if (refused === "not yours to decide")
            services.log.warn("refused a decision", { subject: id, actor: actor.label, why: refused });
          await reply(escapeKeepingMentions(refused));
          return;
        }
        if (action.action_id === ACTIONS.keep) {
          await open(keepModal(id, s!.name));
          return;
        }
      }
      if (action.action_id === ACTIONS.reactivate) {
        // The reason is required, as the CLI's --reason; the modal is the confirmation too.
        const refused = services.ctx.approvals.reactivateRefusal(id, actor);
        if (refused) {
          await reply(escapeMrkdwn(refused));
          return;
        }
        await open(reactivateModal(id, services.ctx.repos.approvals.subject(id)!.name));
        return;
      }
      if (action.action_id === ACTIONS.retry) {
        const s = services.ctx.approvals.retry({ subjectId: id, actor });
        await reply(
          `${escapeMrkdwn(s.name)} is approved again: the deactivation runs again, with every check before a change first.`,
        );
        await services.approvals?.render(s.requestId);
        await services.home.refreshFor(client, body.user.id);
        return;
      }
      const outcomes = await services.ctx.approvals.decide({ subjectIds: ids, decision: "approve", actor });
      const lines = outcomes.map((o) =>
        o.outcome === "refused"
          ? `${escapeMrkdwn(o.name)}: ${o.message === "not yours to decide" ? "not yours to decide" : escapeKeepingMentions(o.message)}`
          : `${escapeMrkdwn(o.name)}: ${escapeKeepingMentions(o.message)}`,
      );
      await reply(lines.join("\n") || "Nothing to decide.");
      const requestIds = new Set(
        ids
          .map((id) => services.ctx.repos.approvals.subject(id)?.requestId)
          .filter((r): r is number => r !== undefined),
      );
      for (const r of requestIds) await services.approvals?.render(r);
      await services.home.refreshFor(client, body.user.id);
    }
  };
}

/** Keep's modal submitted: the decision, with its optional reason. */
export function keepModalSubmit(services: SlackServices) {
  return async ({ ack, body, view, client }: ViewArgs): Promise<void> => {
    await ack();
    await afterAck();
    const user = body.user.id;
    try {
      const reason = view.state.values.reason?.reason?.value?.trim() || null;
      const [o] = await services.ctx.approvals.decide({
        subjectIds: [Number(view.private_metadata)],
        decision: "keep",
        actor: {
          slackUserId: user,
          label: `<@${user}>`,
          isAdmin: await services.access.isAdmin(user, client),
        },
        reason,
      });
      if (o && o.outcome !== "kept")
        await client.chat.postMessage({
          channel: user,
          text: `${escapeMrkdwn(o.name)}: ${escapeKeepingMentions(o.message)}`,
        });
      const requestId = services.ctx.repos.approvals.subject(Number(view.private_metadata))?.requestId;
      if (requestId !== undefined) await services.approvals?.render(requestId);
      await services.home.refreshFor(client, user);
    } catch (error) {
      services.log.warn("keep failed", { reason: (error as Error).message });
    }
  };
}
