/**
 * Who decides on a subject: the Gong manager, else the first qualified person up the reporting line,
 * else the approvals channel (any admin). Pure over a directory view and the SlackPeople port, so the
 * rules are tested without Slack or a database. Every answer says why, in words.
 */

/** The Slack side of a person, found by email (the Slack face: users.lookupByEmail, cached). */
export interface SlackPeople {
  byEmail(email: string): Promise<{ userId: string; deleted: boolean } | null>;
}

export interface OrgPerson {
  id: string;
  email: string | null;
  name: string;
  active: boolean | null;
  managerId: string | null;
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
  /** Longest walk up (a deep org chart still ends). */
  maxDepth?: number;
}

export const APPROVER_DEFAULTS = { maxDepth: 25 } as const;

export async function chooseApprover(input: ChooseInput): Promise<Assignment> {
  const { subject, slack } = input;
  const maxDepth = input.maxDepth ?? APPROVER_DEFAULTS.maxDepth;
  const subjectSlack = subject.email ? await slack.byEmail(subject.email) : null;
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
    if (p.active === false) {
      skipped.push(`${label} is inactive in Gong`);
      continue;
    }
    if (!p.email) {
      skipped.push(`${label} has no email in Gong to find them in Slack`);
      continue;
    }
    const s = await slack.byEmail(p.email);
    if (!s) {
      skipped.push(`${label} is not in Slack`);
      continue;
    }
    if (s.deleted) {
      skipped.push(`${label} is deactivated in Slack`);
      continue;
    }
    if (subjectSlack && s.userId === subjectSlack.userId) {
      skipped.push(`${label} is the subject`);
      continue;
    }
    if (s.userId === input.requesterSlackId && !input.allowSelfApproval) {
      skipped.push(`${label} asked for this deactivation`);
      continue;
    }
    if (input.exclude?.includes(s.userId)) {
      skipped.push(`${label} did not answer in time`);
      continue;
    }
    const reason =
      skipped.length === 0 && input.startFrom === undefined
        ? `you are ${subject.name}'s manager in Gong`
        : `${skipped.join("; ")}; you are next up ${subject.name}'s reporting line`;
    return { kind: "user", slackUserId: s.userId, gongId: p.id, name: p.name, reason };
  }
  if (nextId && skipped.length > 0 && visited.size > maxDepth) skipped.push("the reporting line is too long");
  return {
    kind: "channel",
    slackUserId: null,
    gongId: null,
    name: null,
    reason: `nobody up ${subject.name}'s reporting line can decide (${skipped.join("; ") || "no manager"}); any admin may`,
  };
}
