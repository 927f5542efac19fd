import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from "@slack/bolt";
import { accountOf, type SlackUser } from "../../approvals.js";
import type { SlackServices } from "../../services.js";

/**
 * Slack's user_change: a deactivated account makes a leaver now (its notice is a job, told within the
 * worker's next turn), a reactivated one withdraws what its departure filed. Slack retries an event it
 * did not see acked (X-Slack-Retry-Num), and the next full check finds the same person: a leaver is one
 * row, so the retry changes nothing. No Gong request, no Slack request.
 */
export function userChange(services: SlackServices) {
  return async ({ event }: SlackEventMiddlewareArgs<"user_change"> & AllMiddlewareArgs): Promise<void> => {
    const account = accountOf(event.user as SlackUser);
    if (!account) return;
    try {
      services.ctx.leavers.slackAccountChanged(account);
    } catch (error) {
      services.log.warn("could not take a Slack account's change", { slackUser: account.userId, err: error });
    }
  };
}
