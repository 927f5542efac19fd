import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from "@slack/bolt";
import type { SlackServices } from "../../services.js";

/** Publishes the dashboard when someone opens the app's Home tab. */
export function appHomeOpened(services: SlackServices) {
  return async ({
    event,
    client,
  }: SlackEventMiddlewareArgs<"app_home_opened"> & AllMiddlewareArgs): Promise<void> => {
    if (event.tab !== "home") return;
    await services.home.publish(client, event.user).catch((error: unknown) =>
      services.log.warn("could not publish App Home", {
        user: event.user,
        err: error,
      }),
    );
  };
}
