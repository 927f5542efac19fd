import { isSubcommand, subcommandWord } from "./blocks/help.js";
import { SLASH_COMMAND } from "./ids.js";
import type { Answer } from "./opsServer.js";

/**
 * What the Slack front (front.ts) answers from its own thread, before the app has seen a request, so
 * that an ack never waits behind the app's work (an audit's, or twenty other commands'):
 * - `answer`: Slack's SSL check and the Events API's URL verification, answered there and not passed on
 *   (as Bolt's HTTP receiver does);
 * - `ack`: an empty 200 at once, then the request goes to the app, whose listeners' own ack is then
 *   nothing more. Only where that ack is always empty: a `/gong` command naming a subcommand
 *   (ackCommand's ack is empty for exactly these) and a click on a button (ackAction, and the guard for
 *   unknown actions in listeners/index.ts, ack empty before anything else);
 * - `app`: the app's ack is the answer: a modal's submission may answer with its errors, an unknown
 *   subcommand with its explanation, and an event or a workflow step is acked when the app says so.
 */
export type EarlyAnswer = { kind: "answer"; answer: Answer } | { kind: "ack" } | { kind: "app" };

export function earlyAnswer(body: Record<string, unknown>): EarlyAnswer {
  if (body.ssl_check === "1") return { kind: "answer", answer: { status: 200 } };
  if (body.type === "url_verification") {
    return {
      kind: "answer",
      answer: {
        status: 200,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ challenge: body.challenge }),
      },
    };
  }
  if (
    body.command === SLASH_COMMAND &&
    typeof body.text === "string" &&
    isSubcommand(subcommandWord(body.text))
  )
    return { kind: "ack" };
  if (body.type === "block_actions") return { kind: "ack" };
  return { kind: "app" };
}

/** The HTTP answer for what a listener passed to ack() (as Bolt's HTTP receiver builds it). */
export function ackAnswer(response: unknown): Answer {
  if (!response) return { status: 200 };
  if (typeof response === "string") return { status: 200, body: response };
  return { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(response) };
}
