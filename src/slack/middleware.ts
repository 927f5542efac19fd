/**
 * What every listener needs, written once as Bolt middleware (after bolt-js' middleware/builtin.ts) and
 * put in front of the listener at registration: `app.command(name, explainErrors(s), ackCommand(s),
 * requireAccess(s, …), listener)`. A listener then keeps only its own logic: it runs after the ack, only
 * for someone allowed, and whatever it throws becomes one ephemeral explanation.
 */
import type {
  AllMiddlewareArgs,
  BlockAction,
  Middleware,
  RespondArguments,
  RespondFn,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
} from "@slack/bolt";
import { afterAck } from "../pace.js";
import { isSubcommand, SUBCOMMANDS, type Subcommand, subcommandWord } from "./blocks/help.js";
import { explainError } from "./explain.js";
import { escapeMrkdwn } from "./mrkdwn.js";
import type { Reply, SlackServices } from "./services.js";

/** What Bolt hands a command or a button listener (Middleware<…> adds client, context, next, logger). */
export type CommandArgs = SlackCommandMiddlewareArgs;
export type ActionArgs = SlackActionMiddlewareArgs<BlockAction>;
type ListenerArgs = CommandArgs | ActionArgs;

/** An ephemeral answer to whoever asked, beside the message (never replacing it). */
export function ephemeral(respond: RespondFn, reply: Reply): Promise<unknown> {
  const message: RespondArguments = {
    response_type: "ephemeral",
    replace_original: false,
    text: reply.text,
    ...(reply.blocks ? { blocks: reply.blocks } : {}),
  };
  return respond(message);
}

/**
 * The answer to whoever asked: ephemeral through response_url, or, where Slack sends none (a button in
 * App Home), a direct message from the app, which is where App Home's user looks next.
 */
export function replyTo(args: ListenerArgs & AllMiddlewareArgs): (reply: Reply) => Promise<unknown> {
  const respond = args.respond as RespondFn | undefined;
  if (respond) return (reply) => ephemeral(respond, reply);
  return (reply) =>
    args.client.chat.postMessage({
      channel: asker(args),
      text: reply.text,
      ...(reply.blocks ? { blocks: reply.blocks } : {}),
    } as never);
}

/** Who asked, wherever the payload keeps it. */
function asker(args: ListenerArgs & AllMiddlewareArgs): string {
  return "command" in args ? args.command.user_id : args.body.user.id;
}

/** Outermost: anything a listener throws is logged with its stack and answered in plain words. */
export function explainErrors(services: SlackServices): Middleware<ListenerArgs> {
  return async (args) => {
    try {
      await args.next();
    } catch (error) {
      const what = "command" in args ? `/gong ${args.context.subcommand ?? ""}` : "a button";
      services.log.warn("a Slack listener failed", { what, user: asker(args), err: error });
      await replyTo(args)({ text: `:warning: ${escapeMrkdwn(explainError(error))}` }).catch((e: unknown) =>
        services.log.warn("could not answer the asker", { err: e }),
      );
    }
  };
}

/**
 * `/gong <subcommand> …`: an unknown subcommand is answered in the ack itself; a known one is acked at
 * once (Slack allows 3 seconds) and named in `context.subcommand` for what follows. Over HTTP the front
 * has acked a known one already (earlyAck.ts, which relies on this ack being empty); in Socket Mode this
 * ack is the one Slack gets.
 */
export function ackCommand(observe?: (seconds: number) => void): Middleware<CommandArgs> {
  return async ({ command, ack, context, next }) => {
    const started = performance.now();
    const word = subcommandWord(command.text);
    if (!isSubcommand(word)) {
      await ack({
        response_type: "ephemeral",
        text: `I don't know “${escapeMrkdwn(word)}”. Try \`/gong help\`: ${Object.keys(SUBCOMMANDS).join(", ")}.`,
      });
      return;
    }
    await ack();
    if (!context.frontAcked) observe?.((performance.now() - started) / 1000);
    context.subcommand = word;
    // Requests that arrived meanwhile are acked before this one's work starts (Socket Mode's acks are
    // this thread's; over HTTP, their listeners start before this one's work).
    await afterAck();
    await next();
  };
}

/** A button: acked at once, before anything else happens. */
export function ackAction(observe?: (seconds: number) => void): Middleware<ActionArgs> {
  return async ({ ack, context, next }) => {
    const started = performance.now();
    await ack();
    if (!context.frontAcked) observe?.((performance.now() - started) / 1000);
    await afterAck();
    await next();
  };
}

/**
 * Runs what follows only for someone allowed to do `what` (for a command: its subcommand, decided by
 * ackCommand); everyone else gets one ephemeral refusal, and the refusal is logged (access.ts).
 */
export function requireAccess(
  services: SlackServices,
  what: Subcommand | ((args: ListenerArgs & AllMiddlewareArgs) => Subcommand),
): Middleware<ListenerArgs> {
  return async (args) => {
    const sub = typeof what === "function" ? what(args) : what;
    const where =
      "command" in args ? `/gong ${sub} in ${args.command.channel_id}` : `button ${args.action.action_id}`;
    if (await services.access.check(sub, asker(args), args.client, where)) {
      await args.next();
      return;
    }
    await replyTo(args)({
      text:
        "command" in args
          ? `Only gongops admins can run \`/gong ${sub}\`. \`/gong help\` shows what you can do.`
          : "Only gongops admins can do that.",
    });
  };
}

/** The subcommand ackCommand found, for requireAccess. */
export const subcommandOf = (args: ListenerArgs & AllMiddlewareArgs): Subcommand =>
  args.context.subcommand as Subcommand;
