import { clauses } from "../time.js";
/**
 * Who decides on a subject: the Gong manager, else the first qualified person up the reporting line,
 * else the approvals channel (any admin). Pure over a directory view and the SlackPeople port, so the
 * rules are tested without Slack or a database. Every answer says why, in words.
 */

/** A Slack user found by email, with what makes them unfit to decide. */
export interface SlackPerson {
  userId: string;
  /** Deactivated in Slack. */
  deleted: boolean;
  /** A bot user (Slackbot, an app): never an approver. */
  bot?: boolean;
  /** A guest (single- or multi-channel): never an approver. */
  guest?: boolean;
}

/** The Slack side of a person, found by email (the Slack face: slack/approvals.ts). */
export interface SlackPeople {
  byEmail(email: string): Promise<SlackPerson | null>;
  /**
   * A view for one pass (a filing, a round of escalations): each address is asked at most once, and a
   * large pass reads the workspace in one paged listing instead of one lookup per address. Fresh each
   * time: someone deactivated in Slack a minute ago is seen as deactivated.
   */
  session?(): SlackPeople;
}

export interface OrgPerson {
  id: string;
  email: string | null;
  name: string;
  active: boolean | null;
  managerId: string | null;
  /** Other addresses of theirs in Gong: the same person in Slack by any of them. */
  aliases?: readonly string[];
}

export type Assignment =
  | { kind: "user"; slackUserId: string; gongId: string; name: string; reason: string }
  | { kind: "channel"; slackUserId: null; gongId: null; name: null; reason: string };

export interface ChooseInput {
  subject: OrgPerson;
  /** Where the walk starts (default: the subject's manager); an escalation starts above the last approver. */
  startFrom?: string | null;
  /** People by Gong id, from the directory snapshot. */
  person: (id: string) => OrgPerson | undefined;
  slack: SlackPeople;
  /** The requester's Slack user id (null from the CLI). */
  requesterSlackId: string | null;
  allowSelfApproval: boolean;
  /** Slack users who must not get it (the approver it is escalated away from). */
  exclude?: readonly string[];
  /** Why a Gong user may not decide now (in this or another open request), or null. */
  disqualified?: (gongId: string) => string | null;
  /** Why `exclude` applies, in words (default: "did not answer in time"). */
  excludeWhy?: string;
  /** Longest walk up (a deep org chart still ends). */
  maxDepth?: number;
}

export const APPROVER_DEFAULTS = { maxDepth: 25 } as const;

/** The Slack users a person is, by every address Gong has for them. */
export async function slackIdsOf(slack: SlackPeople, p: OrgPerson): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const address of [p.email, ...(p.aliases ?? [])]) {
    if (!address) continue;
    const found = await slack.byEmail(address);
    if (found) ids.add(found.userId);
  }
  return ids;
}

export async function chooseApprover(input: ChooseInput): Promise<Assignment> {
  const { subject, slack } = input;
  const maxDepth = input.maxDepth ?? APPROVER_DEFAULTS.maxDepth;
  const subjectSlack = await slackIdsOf(slack, subject);
  const skipped: string[] = [];
  const visited = new Set<string>([subject.id]);
  let nextId = input.startFrom === undefined ? subject.managerId : input.startFrom;
  let role = input.startFrom === undefined ? "manager" : "next manager up";
  if (!nextId) skipped.push(`${subject.name} has no manager in Gong`);
  for (let depth = 0; nextId && depth < maxDepth; depth++) {
    if (visited.has(nextId)) {
      const who = input.person(nextId);
      skipped.push(`the reporting line loops back to ${who?.name ?? nextId}`);
      break;
    }
    visited.add(nextId);
    const p = input.person(nextId);
    if (!p) {
      skipped.push(`the ${role} (Gong id ${nextId}) is not in the directory`);
      break;
    }
    const label = `the ${role} ${p.name}`;
    role = "next manager up";
    nextId = p.managerId;
    const why = unfit(
      p,
      await (p.email ? slack.byEmail(p.email) : Promise.resolve(null)),
      input,
      subjectSlack,
    );
    if (typeof why === "string") {
      skipped.push(`${label} ${why}`);
      continue;
    }
    const reason =
      skipped.length === 0 && input.startFrom === undefined
        ? `you are ${subject.name}'s manager in Gong`
        : clauses(...skipped, `you are the next one up ${subject.name}'s reporting line who can decide`);
    return { kind: "user", slackUserId: why.userId, gongId: p.id, name: p.name, reason };
  }
  if (nextId && skipped.length > 0 && visited.size > maxDepth) skipped.push("the reporting line is too long");
  return {
    kind: "channel",
    slackUserId: null,
    gongId: null,
    name: null,
    reason: `nobody up ${subject.name}'s reporting line can decide (${clauses(...skipped) || "no manager"}); any admin may decide in the approvals channel`,
  };
}

/** Why this person on the line cannot decide (words after their name), or their Slack user. */
function unfit(
  p: OrgPerson,
  s: SlackPerson | null,
  input: ChooseInput,
  subjectSlack: ReadonlySet<string>,
): string | SlackPerson {
  if (p.active === false) return "is inactive in Gong";
  const out = input.disqualified?.(p.id);
  if (out) return out;
  if (!p.email) return "has no email in Gong to find them in Slack";
  if (!s) return "is not in Slack";
  if (s.deleted) return "is deactivated in Slack";
  if (s.bot) return "is a bot in Slack";
  if (s.guest) return "is a guest in Slack";
  if (subjectSlack.has(s.userId)) return "is the subject";
  if (s.userId === input.requesterSlackId && !input.allowSelfApproval) return "asked for this deactivation";
  if (input.exclude?.includes(s.userId)) return input.excludeWhy ?? "did not answer in time";
  return s;
}
