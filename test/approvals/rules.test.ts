import { describe, expect, it } from "vitest";
import { chooseApprover, type OrgPerson, type SlackPeople } from "../../src/approvals/approver.js";
import { canTransition, OPEN_STATES, TRANSITIONS } from "../../src/approvals/states.js";
import { approvalMessages, SUBJECTS_PER_MESSAGE } from "../../src/slack/blocks/approvals.js";
import { SUBJECT_STATES } from "../../src/store/schema.js";

describe("transitions", () => {
  it("allow exactly the documented moves", () => {
    expect(canTransition("pending", "approved")).toBe(true);
    expect(canTransition("approved", "executing")).toBe(true);
    expect(canTransition("executing", "done")).toBe(true);
    expect(canTransition("done", "reactivated")).toBe(true);
    expect(canTransition("pending", "done")).toBe(false);
    expect(canTransition("pending", "executing")).toBe(false);
    expect(canTransition("kept", "approved")).toBe(false);
    expect(canTransition("failed", "executing")).toBe(false);
    expect(canTransition("reactivated", "done")).toBe(false);
    for (const s of ["kept", "expired", "cancelled", "reactivated"] as const)
      expect(TRANSITIONS[s]).toEqual([]);
    // Undo of an IdP change that may have landed before the subject failed; an admin's run-again.
    expect(TRANSITIONS.failed).toEqual(["reactivated", "approved"]);
    // A job that died before the claim.
    expect(canTransition("approved", "failed")).toBe(true);
    expect([...OPEN_STATES].sort()).toEqual(["approved", "awaiting_idp", "executing", "notice", "pending"]);
    // The seat holder is asked first (GONGOPS_NOTIFY_SUBJECT): kept, released (approved), or on to pending.
    expect(canTransition("notice", "kept")).toBe(true);
    expect(canTransition("notice", "approved")).toBe(true);
    expect(canTransition("notice", "pending")).toBe(true);
    expect(canTransition("notice", "executing")).toBe(false);
    expect(canTransition("pending", "notice")).toBe(false);
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...SUBJECT_STATES].sort());
  });
});

describe("who approves", () => {
  const people: Record<string, OrgPerson> = {};
  const add = (id: string, managerId: string | null, extra: Partial<OrgPerson> = {}) => {
    people[id] = { id, email: `${id}@x.example`, name: id.toUpperCase(), active: true, managerId, ...extra };
  };
  add("ceo", null);
  add("vp", "ceo");
  add("mgr", "vp");
  add("sub", "mgr");
  add("a", "b");
  add("b", "a");
  add("c", "a");
  const slackOf = (
    overrides: Record<string, { userId: string; deleted: boolean } | null> = {},
  ): SlackPeople => ({
    byEmail: async (email) => {
      const id = email.split("@")[0]!;
      return id in overrides ? overrides[id]! : { userId: `U${id.toUpperCase()}`, deleted: false };
    },
  });
  const choose = (
    subject: string,
    opts: { slack?: SlackPeople; requester?: string | null; allowSelf?: boolean } = {},
  ) =>
    chooseApprover({
      subject: people[subject]!,
      person: (id) => people[id],
      slack: opts.slack ?? slackOf(),
      requesterSlackId: opts.requester ?? null,
      allowSelfApproval: opts.allowSelf ?? false,
    });

  it("the manager, saying so", async () => {
    const a = await choose("sub");
    expect(a).toMatchObject({ kind: "user", slackUserId: "UMGR", reason: "you are SUB's manager in Gong" });
  });

  it("skips a manager who is inactive, not in Slack, deactivated in Slack, or the requester", async () => {
    people.mgr!.active = false;
    expect(await choose("sub")).toMatchObject({
      slackUserId: "UVP",
      reason: expect.stringMatching(/MGR is inactive in Gong/),
    });
    people.mgr!.active = true;
    expect(await choose("sub", { slack: slackOf({ mgr: null }) })).toMatchObject({ slackUserId: "UVP" });
    expect(
      await choose("sub", { slack: slackOf({ mgr: { userId: "UMGR", deleted: true }, vp: null }) }),
    ).toMatchObject({
      slackUserId: "UCEO",
      reason: expect.stringMatching(/deactivated in Slack; .*VP is not in Slack/),
    });
    expect(await choose("sub", { requester: "UMGR" })).toMatchObject({
      slackUserId: "UVP",
      reason: expect.stringMatching(/asked for/),
    });
    expect(await choose("sub", { requester: "UMGR", allowSelf: true })).toMatchObject({
      slackUserId: "UMGR",
    });
  });

  it("never the subject (one person with two Gong accounts)", async () => {
    const a = await choose("sub", { slack: slackOf({ mgr: { userId: "USUB", deleted: false } }) });
    expect(a).toMatchObject({ slackUserId: "UVP", reason: expect.stringMatching(/is the subject/) });
  });

  it("a cycle or a dangling manager ends in the approvals channel", async () => {
    const cyc = await choose("c", { slack: slackOf({ a: null, b: null }) });
    expect(cyc).toMatchObject({ kind: "channel", reason: expect.stringMatching(/loops back to A/) });
    add("lost", "nobody");
    expect(await choose("lost")).toMatchObject({
      kind: "channel",
      reason: expect.stringMatching(/not in the directory/),
    });
    expect(await choose("ceo")).toMatchObject({
      kind: "channel",
      reason: expect.stringMatching(/no manager/),
    });
  });
});

describe("approval message blocks", () => {
  it("split long lists within Block Kit's 50 blocks, buttons only while pending", () => {
    const now = new Date("2026-11-27T12:00:00Z");
    const subjects = Array.from({ length: 40 }, (_, i) => ({
      id: i + 1,
      requestId: 1,
      userId: String(1000 + i),
      email: `u${i}@x.example`,
      name: `User <!channel> ${i}`,
      title: "AE",
      managerId: "1",
      lastCallAt: null,
      created: "2024-01-01T00:00:00Z",
      aliases: [],
      dryRun: true,
      auditRunId: 1,
      activitySince: "2026-11-01T00:00:00Z",
      lookbackDays: 90,
      evidence: null,
      formerApprovers: [],
      state: i === 0 ? ("done" as const) : ("pending" as const),
      approverKind: "user" as const,
      approverSlackId: "UMGR",
      approverGongId: "1",
      approverName: "Mgr",
      approverReason: "you are their manager",
      escalations: 0,
      decidedBy: i === 0 ? "UMGR" : null,
      decidedAt: i === 0 ? "2026-11-27T11:00:00Z" : null,
      stateReason: null,
      waitingNote: null,
      capOverride: false,
      wayOutId: null,
      changeSentAt: null,
      idpSnapshot: null,
      holderSlackId: null,
      noticeUntil: null,
      holderAnswer: null,
      updatedAt: "2026-11-27T11:00:00Z",
    }));
    const view = {
      request: {
        id: 1,
        source: "slack" as const,
        requestedBySlack: "UADMIN",
        requestedBy: "<@UADMIN>",
        requestedByOperator: null,
        reason: "no calls",
        dryRun: true,
        auditRunId: 1,
        activitySince: "2026-11-01T00:00:00Z",
        lookbackDays: 90,
        createdAt: "2026-11-27T10:00:00Z",
      },
      subjects,
      dryRun: true,
    };
    const parts = approvalMessages(view, "UMGR", now);
    expect(parts).toHaveLength(Math.ceil(40 / SUBJECTS_PER_MESSAGE));
    for (const p of parts) {
      expect(p.blocks.length).toBeLessThanOrEqual(50);
      expect(p.text).toMatch(/DRY RUN/);
    }
    const first = JSON.stringify(parts[0]!.blocks);
    expect(first).toContain("no call in 90 days");
    expect(first).toContain("User &lt;!channel&gt; 0"); // Gong text escaped
    expect(first).not.toContain("<!channel>");
    expect(first).toContain("<@UADMIN> asks");
    // A dry run's done reads "would be deactivated", never "deactivated".
    expect(first).toMatch(/would be deactivated \(dry run[^*]*\* by <@UMGR>/);
    expect(first).not.toMatch(/\*deactivated\*/);
    expect(first).not.toMatch(/loses their Gong seat|will be deactivated/);
    expect(first.match(/gong_approval_approve"/g)).toHaveLength(SUBJECTS_PER_MESSAGE - 1);
    expect(first).toContain("gong_approval_approve_all");
  });
});
