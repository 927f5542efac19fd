import type { LookupResult, UserCard } from "../../directory/lookup.service.js";
import { ACTIONS } from "../ids.js";
import { email, literal, mrkdwn } from "../mrkdwn.js";
import { actions, type Block, button, context, header, section, stateLabel } from "./common.js";

function managerText(u: UserCard): string {
  if (!u.manager) return "none";
  if (!u.manager.known) return `unknown (id ${u.manager.id} is not in the directory)`;
  return `${literal(u.manager.name)}${u.manager.active === false ? " _[inactive]_" : ""}`;
}

/**
 * The user card: who, what, reporting to whom, what they did in Gong lately (when known), and how fresh
 * the data is.
 */
export function userCardBlocks(u: UserCard, freshnessNote: string, activity?: string): Block[] {
  return [
    header(u.name),
    {
      type: "section",
      fields: [
        mrkdwn(`*Title*\n${literal(u.title) || "_none_"}`),
        mrkdwn(`*Email*\n${email(u.email)}`),
        mrkdwn(`*State*\n${stateLabel(u.active)}`),
        mrkdwn(`*Manager*\n${managerText(u)}`),
        mrkdwn(`*Created*\n${u.created ? literal(u.created.slice(0, 10)) : "unknown"}`),
        mrkdwn(`*Gong id*\n\`${u.id}\``),
      ],
    },
    // The activity line carries Gong's time zone name and counts: escaped like any Gong text.
    ...(activity ? [context(`*Activity* ${literal(activity)}`)] : []),
    context(literal(freshnessNote)),
    actions(
      button("Reporting line", ACTIONS.showChain, u.id),
      button("Direct reports", ACTIONS.showReports, u.id),
    ),
  ];
}

/** A lookup's answer in blocks, whatever it found. */
export function lookupBlocks(r: LookupResult, activity?: string): Block[] {
  if (r.match === "one") return userCardBlocks(r.user, r.freshness.note, activity);
  if (r.match === "many") {
    const lines = r.users.map(
      (u) =>
        `• *${literal(u.name)}*${u.title ? ` — ${literal(u.title)}` : ""} · ${email(u.email)} · \`${u.id}\`${u.active === false ? " _[inactive]_" : ""}`,
    );
    const more =
      r.total > r.users.length ? `\n…and ${r.total - r.users.length} more: narrow the search.` : "";
    return [
      section(`*${r.total} Gong users match “${literal(r.query)}”:*\n${lines.join("\n")}${more}`),
      context(literal(r.freshness.note)),
    ];
  }
  const hint = r.suggestions.length
    ? ` Did you mean ${r.suggestions.map((s) => `*${literal(s)}*`).join(", ")}?`
    : "";
  return [section(`No Gong user matches “${literal(r.query)}”.${hint}`), context(literal(r.freshness.note))];
}
