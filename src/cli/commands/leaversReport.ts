import { money } from "../../digest/digest.js";
import { SOURCE_WORDS } from "../../leavers/core.js";
import type { LeaversView } from "../../leavers/types.js";
import { utcMinute } from "../../time.js";
import { day, table } from "../format.js";

/**
 * Leavers in the terminal: `gongops leavers`, and the section the audit report (and the demo) end with.
 * Kept apart from the leavers command so that `gongops audit` loads no Slack client to print it.
 */

function cost(v: LeaversView): string {
  return v.yearlyCost ? ` — ${money(v.yearlyCost.amount, v.yearlyCost.currency)} a year` : "";
}

function leaversTable(v: LeaversView): string {
  return table(
    v.rows.map((r) => ({
      id: r.userId,
      name: r.name,
      email: r.email,
      left: `${SOURCE_WORDS[r.source]}${r.since ? ` ${day(r.since)}` : ""}`,
      manager: v.managers.get(r.userId) ?? "",
    })),
    ["id", "name", "email", "left", "manager"],
  );
}

/** "against Slack and Okta": what the last check read. */
function against(v: LeaversView): string {
  return v.sources.map((s) => SOURCE_WORDS[s]).join(" and ") || "nothing";
}

export function renderLeavers(v: LeaversView): string {
  const n = v.leavers.length;
  const out = [
    n === 0
      ? `No leavers: no active Gong user's account is closed in ${v.sources.map((s) => SOURCE_WORDS[s]).join(" or ") || "Slack"}.`
      : `${n} ${n === 1 ? "person left the company and still holds" : "people left the company and still hold"} a Gong seat${cost(v)}.`,
  ];
  if (n > 0) out.push(leaversTable(v));
  if (v.notInSlack.length > 0)
    out.push(
      "",
      `Not in Slack (${v.notInSlack.length}; never counted as leavers: contractors, Gong-only users):`,
      table(
        v.notInSlack.map((p) => ({ id: p.id, name: p.name, email: p.email })),
        ["id", "name", "email"],
      ),
    );
  out.push(
    "",
    `Checked ${v.checkedAt ? `${utcMinute(v.checkedAt)} UTC` : "never"} against ${against(v)}; the Gong directory as of ${v.snapshotAt ? `${utcMinute(v.snapshotAt)} UTC` : "never"}.`,
  );
  return `${out.join("\n")}\n`;
}

/**
 * The audit report's leavers section: who left and still holds a seat, as the leavers service last
 * found them (no request to anyone). Leavers are not in the inactive list's terms: someone who left
 * last week may still show activity in the look-back.
 */
export function renderLeaversSection(v: LeaversView): string {
  if (!v.checkedAt)
    return "\nLeavers: not checked yet. `gongops leavers` finds who left the company and still holds a seat.\n";
  const n = v.leavers.length;
  const when = `checked ${utcMinute(v.checkedAt)} UTC against ${against(v)}`;
  if (n === 0) return `\nLeavers: none still holds a seat (${when}).\n`;
  return (
    `\nLeavers: ${n} ${n === 1 ? "person who left the company still holds" : "people who left the company still hold"} a Gong seat${cost(v)} (${when}):\n` +
    `${leaversTable(v)}\n`
  );
}
