import type { Chain, OrgHealth, Reports, ReportTree } from "../../directory/hierarchy.service.js";
import { ACTIONS } from "../ids.js";
import { literal } from "../mrkdwn.js";
import { actions, type Block, button, context, header, linesToSections, personText } from "./common.js";

/**
 * Reporting lines as readable text trees. Long ones are cut into pages of LINES_PER_PAGE lines; the
 * "Show more" button carries what it needs to rebuild the next page (the tree is rebuilt from the
 * in-memory directory, so nothing is kept per message).
 */
export const LINES_PER_PAGE = 40;
const INDENT = "\u2003"; // em space: Slack collapses ordinary leading spaces

export interface MoreLines {
  kind: "chain" | "reports";
  userId: string;
  depth: number | null;
  offset: number;
}

export function chainLines(c: Chain): string[] {
  const lines = c.chain.map((p, i) => `${INDENT.repeat(i)}${i === 0 ? "" : "↳ "}${personText(p)}`);
  const pad = INDENT.repeat(c.chain.length);
  if (c.end.kind === "top") lines.push(`${pad}_(top of the tree)_`);
  if (c.end.kind === "unknown-manager")
    lines.push(`${pad}:warning: manager id \`${c.end.managerId}\` is not in the directory`);
  if (c.end.kind === "cycle") {
    const names = c.end.members.map((m) => literal(m.name));
    lines.push(`${pad}:warning: reporting cycle: ${[...names, names[0]].join(" → ")}`);
  }
  return lines;
}

export function reportLines(r: Reports): string[] {
  const lines: string[] = [];
  const walk = (t: ReportTree, depth: number) => {
    for (const child of t.reports) {
      lines.push(`${INDENT.repeat(depth)}• ${personText(child.user)}`);
      walk(child, depth + 1);
    }
    if (t.hiddenReports) lines.push(`${INDENT.repeat(depth)}_…${t.hiddenReports} more below this depth_`);
  };
  walk(r.tree, 0);
  return lines;
}

/** One page of lines, with a "Show more" button when there is more. */
export function pagedLines(
  title: string,
  lines: readonly string[],
  more: MoreLines,
  footer?: string,
): Block[] {
  const page = lines.slice(more.offset, more.offset + LINES_PER_PAGE);
  const rest = lines.length - more.offset - page.length;
  const blocks: Block[] = [header(title), ...linesToSections(page.length ? page : ["_nobody_"])];
  if (footer) blocks.push(context(footer));
  if (rest > 0) {
    const next: MoreLines = { ...more, offset: more.offset + page.length };
    blocks.push(actions(button(`Show more (${rest} more)`, ACTIONS.moreLines, JSON.stringify(next))));
  }
  return blocks;
}

export function chainBlocks(c: Chain, offset = 0): Block[] {
  const who = c.chain[0]!;
  return pagedLines(`Reporting line of ${who.name}`, chainLines(c), {
    kind: "chain",
    userId: who.id,
    depth: null,
    offset,
  });
}

export function reportsBlocks(r: Reports, offset = 0): Block[] {
  const levels = r.levels
    .map((l) => `level ${l.level}: ${l.count}${l.inactive ? ` (${l.inactive} inactive)` : ""}`)
    .join(" · ");
  const footer = r.total ? `${r.total} reports, ${r.inactive} inactive · ${levels}` : "No reports.";
  return pagedLines(
    `Reports of ${r.tree.user.name}`,
    reportLines(r),
    { kind: "reports", userId: r.tree.user.id, depth: r.depth, offset },
    footer,
  );
}

export function orgHealthBlocks(h: OrgHealth, perSection = 10): Block[] {
  const list = <T>(title: string, items: T[], line: (t: T) => string): string => {
    const shown = items.slice(0, perSection).map((i) => `• ${line(i)}`);
    const more =
      items.length > perSection
        ? [`_…and ${items.length - perSection} more (\`gongops org-health --json\` lists all)_`]
        : [];
    return [`*${title}: ${items.length}*`, ...shown, ...more].join("\n");
  };
  return [
    header("Org health"),
    context(`${h.counts.users} users in the directory`),
    ...linesToSections([
      list("Reporting cycles", h.cycles, (c) =>
        [...c.map((p) => literal(p.name)), literal(c[0]?.name ?? "")].join(" → "),
      ),
      list(
        "Manager ids not in the directory",
        h.danglingManagers,
        (d) => `${personText(d.user)}: \`${d.managerId}\``,
      ),
      list(
        "Active users whose manager is inactive",
        h.activeUnderInactiveManager,
        (d) => `${personText(d.user)} under ${personText(d.manager)}`,
      ),
      list("No manager and no reports", h.orphans, personText),
    ]),
  ];
}
