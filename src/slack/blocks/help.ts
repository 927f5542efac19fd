import { SLASH_COMMAND } from "../ids.js";
import { escapeMrkdwn } from "../mrkdwn.js";
import type { Block } from "./common.js";
import { context, section } from "./common.js";

/** The subcommands, who may run them, and how. */
export const SUBCOMMANDS = {
  help: { admin: false, lookup: true, usage: "help", about: "what you can do here" },
  user: {
    admin: false,
    lookup: true,
    usage: "user <email | name | id | @someone>",
    about: "a Gong user's card",
  },
  chain: { admin: false, lookup: true, usage: "chain <who>", about: "their reporting line up to the top" },
  reports: {
    admin: false,
    lookup: true,
    usage: "reports <who> [--depth N]",
    about: "everyone who reports to them",
  },
  audit: {
    admin: true,
    lookup: false,
    usage: "audit [days] [--activity any|hosted]",
    about:
      "find paid seats nobody uses (default 90 days; any: no Gong activity at all, hosted: no hosted call)",
  },
  sync: { admin: true, lookup: false, usage: "sync", about: "refresh the directory from Gong now" },
  doctor: {
    admin: true,
    lookup: false,
    usage: "doctor",
    about: "check the whole install: Gong, SCIM or the IdP, Slack, the store (one line each, with the fix)",
  },
  "org-health": {
    admin: true,
    lookup: false,
    usage: "org-health",
    about: "reporting cycles, dangling managers, orphans",
  },
  deactivate: {
    admin: true,
    lookup: false,
    usage: 'deactivate <who>… --reason "why" [--dry-run] [--force]',
    about: "ask managers to approve deactivating Gong users",
  },
  requests: {
    admin: true,
    lookup: false,
    usage: "requests [id]",
    about:
      "open deactivation requests; one request with its buttons (an admin may decide in the approver's place, with a reason)",
  },
  trail: {
    admin: true,
    lookup: false,
    usage: "trail [who]",
    about: "every decision and deactivation, newest first; one person's when named",
  },
  reactivate: {
    admin: true,
    lookup: false,
    usage: 'reactivate <who> <reason…> | reactivate <who> --reason "why"',
    about: "undo a deactivation gongops made (the reason is required, and recorded)",
  },
  leavers: {
    admin: true,
    lookup: false,
    usage: "leavers",
    about: "people who left (deactivated in Slack or the IdP) and still hold a Gong seat",
  },
  newcomers: {
    admin: true,
    lookup: false,
    usage: "newcomers",
    about: "new Gong users with no activity since they were created (a missing role or license?)",
  },
  exempt: {
    admin: true,
    lookup: false,
    usage: 'exempt add|remove <rule> [--reason "why"] [--force] | exempt list',
    about: "who the audit never flags",
  },
  schedule: {
    admin: true,
    lookup: false,
    usage:
      'schedule add "0 9 * * MON" audit-digest|sync [#channel] [--tz Zone] [--days N] [--skip-if-unchanged] | schedule list | schedule remove|pause|resume|run <id>',
    about: "scheduled syncs and audit digests in a channel",
  },
} as const;

export type Subcommand = keyof typeof SUBCOMMANDS;

/** The word of a `/gong` command's text that picks its subcommand: the first, lower-cased; "help" if none. */
export const subcommandWord = (text: string): string =>
  (text.trim().split(/\s+/)[0] ?? "").toLowerCase() || "help";

export const isSubcommand = (word: string): word is Subcommand => Object.hasOwn(SUBCOMMANDS, word);

/** The usage as plain text, for messages that are escaped once on their way to Slack (errors). */
export function usageText(sub: Subcommand): string {
  return `\`${SLASH_COMMAND} ${SUBCOMMANDS[sub].usage}\``;
}

export function usageLine(sub: Subcommand): string {
  return `\`${SLASH_COMMAND} ${escapeMrkdwn(SUBCOMMANDS[sub].usage)}\``;
}

export function helpBlocks(allowed: readonly Subcommand[]): Block[] {
  const lines = allowed.map((s) => `${usageLine(s)} — ${SUBCOMMANDS[s].about}`);
  return [
    section(`*gongops* — Gong user administration\n${lines.join("\n")}`),
    context(
      "Answers about Gong users come from gongops' copy of the Gong directory; each says how fresh it is.",
    ),
  ];
}
