import type { types } from "@slack/bolt";
import { literal, mrkdwn, plain } from "../mrkdwn.js";

/** Small Block Kit pieces shared by the builders. All pure: tests snapshot what they return. */
export type Block = types.KnownBlock;
export type Button = types.Button;

export function header(text: string): Block {
  return { type: "header", text: plain(text, 150) };
}

export function section(text: string): Block {
  return { type: "section", text: mrkdwn(text) };
}

export function context(text: string): Block {
  return { type: "context", elements: [mrkdwn(text, 2000)] };
}

export const divider: Block = { type: "divider" };

export function button(text: string, actionId: string, value: string, style?: "primary" | "danger"): Button {
  return { type: "button", text: plain(text, 75), action_id: actionId, value, ...(style ? { style } : {}) };
}

export function actions(...elements: Button[]): Block {
  return { type: "actions", elements };
}

/** Packs lines into sections of at most `max` characters each (Slack's limit is 3,000 per text). */
export function linesToSections(lines: readonly string[], max = 2900): Block[] {
  const sections: Block[] = [];
  let current = "";
  for (const line of lines) {
    const piece = line.length > max ? `${line.slice(0, max - 1)}…` : line;
    if (current && current.length + 1 + piece.length > max) {
      sections.push(section(current));
      current = "";
    }
    current = current ? `${current}\n${piece}` : piece;
  }
  if (current) sections.push(section(current));
  return sections;
}

/** A plain-language message, for errors and refusals. */
export function notice(text: string): Block[] {
  return [section(text)];
}

export function stateLabel(active: boolean | null): string {
  return active === true ? "active" : active === false ? "inactive" : "state unknown";
}

/** "Jane Doe (VP Sales) [inactive]", escaped. */
export function personText(p: { name: string; title: string | null; active: boolean | null }): string {
  return `${literal(p.name)}${p.title ? ` (${literal(p.title)})` : ""}${p.active === false ? " _[inactive]_" : ""}`;
}
