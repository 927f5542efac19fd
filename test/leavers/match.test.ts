import { describe, expect, it } from "vitest";
import { findLeavers, type GongPerson, leftReason, type SlackAccount } from "../../src/leavers/match.js";

const person = (id: string, email: string | null, extra: Partial<GongPerson> = {}): GongPerson => ({
  id,
  email,
  aliases: [],
  name: `Name ${id}`,
  active: true,
  managerId: null,
  ...extra,
});
const account = (userId: string, email: string | null, extra: Partial<SlackAccount> = {}): SlackAccount => ({
  userId,
  email,
  name: null,
  deleted: false,
  bot: false,
  guest: false,
  updated: null,
  ...extra,
});

describe("findLeavers", () => {
  it("lists the Gong-active users deactivated in Slack, apart those with no Slack account, never a deactivated Gong user", () => {
    const people = [
      ...[1, 2, 3, 4, 5].map((i) => person(`10${i}`, `Gone${i}@Acme.example`)),
      ...[1, 2, 3].map((i) => person(`20${i}`, `contractor${i}@acme.example`)),
      person("301", "here@acme.example"),
      person("401", "offboarded@acme.example", { active: false }),
    ];
    const slack = [
      // Slack's address in another case: matched case-insensitively.
      ...[1, 2, 3, 4, 5].map((i) =>
        account(`UG${i}`, `gone${i}@acme.example`, { deleted: true, updated: 1_767_225_600 }),
      ),
      account("UH", "here@acme.example"),
      account("UO", "offboarded@acme.example", { deleted: true }),
    ];
    const found = findLeavers(people, slack, null);
    expect(found.leavers.map((l) => l.id)).toEqual(["101", "102", "103", "104", "105"]);
    expect(found.leavers[0]!.evidence).toEqual({
      source: "slack",
      since: "2026-01-01T00:00:00.000Z",
      slackUserId: "UG1",
    });
    expect(found.notInSlack.map((p) => p.id)).toEqual(["201", "202", "203"]);
  });

  it("never matches bots or guests, counts a live account under an alias, and needs every member account gone", () => {
    const people = [
      person("1", "bot@acme.example"),
      person("2", "guest@acme.example"),
      person("3", "old@acme.example", { aliases: ["new@acme.example"] }),
      person("4", "twice@acme.example"),
    ];
    const slack = [
      account("UB", "bot@acme.example", { bot: true, deleted: true }),
      account("UG", "guest@acme.example", { guest: true, deleted: true }),
      account("U3a", "old@acme.example", { deleted: true }),
      account("U3b", "new@acme.example"),
      account("U4a", "twice@acme.example", { deleted: true }),
      account("U4b", "twice@acme.example", { deleted: true }),
    ];
    const found = findLeavers(people, slack, null);
    expect(found.leavers.map((l) => l.id)).toEqual(["4"]);
    // A bot's or guest's account is someone's: they are not "not in Slack" either.
    expect(found.notInSlack).toEqual([]);
  });

  it("without Slack, lists nobody apart", () => {
    expect(findLeavers([person("1", "a@acme.example")], null, null)).toEqual({ leavers: [], notInSlack: [] });
  });

  it("words the request's reason with the day Slack gives", () => {
    expect(
      leftReason({ source: "slack", since: "2026-03-02T10:00:00.000Z" }, "2026-03-05T00:00:00.000Z"),
    ).toBe("left: Slack account deactivated on 2026-03-02");
  });
});
