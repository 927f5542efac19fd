import type { webApi } from "@slack/bolt";
import type { Config } from "../config.js";

/**
 * What every Slack Web API client of gongops is built with. The client's own default retries a failed
 * call ten times over about 30 minutes, and it waits forever on a Slack that accepted the connection
 * and never answers: a job or a stop behind such a call was stuck for as long. Here one request gives
 * up after SLACK_TIMEOUT_MS, and a call is tried three times within a minute at most; what still fails
 * is the caller's to handle (a job retries later, a message update is skipped).
 */
export const SLACK_RETRY_POLICY = {
  retries: 2,
  factor: 2,
  minTimeout: 1_000,
  maxTimeout: 5_000,
  maxRetryTime: 60_000,
  randomize: true,
} as const;

export function slackClientOptions(
  config: Config,
  overrides: Partial<webApi.WebClientOptions> = {},
): webApi.WebClientOptions {
  const { slack } = config;
  return {
    ...(slack.apiUrl ? { slackApiUrl: `${slack.apiUrl}/` } : {}),
    timeout: slack.timeoutMs,
    retryConfig: { ...SLACK_RETRY_POLICY },
    ...overrides,
  };
}
