import { describe, expect, it } from "vitest";
import { exemptionMatcher, parseExemptRule, titleMatcher } from "../../src/audit/exemptions.js";
import { sharePercent } from "../../src/audit/exemptions.service.js";
import {
  activityPerUserCost,
  bulkCost,
  decideActivity,
  decideWindow,
  perUserCost,
  shouldSwitchToBulk,
} from "../../src/audit/planner.js";
import { selectSubjects } from "../../src/audit/subjects.js";
import { UsageError } from "../../src/errors.js";

describe("exempt rules", () => {
  it("a share above the 10% line never prints as 10%", () => {
    expect(sharePercent(22, 214)).toBe("10.3%");
    expect(sharePercent(1004, 10_000)).toBe("10.1%");
    expect(sharePercent(20, 200)).toBe("10%");
    expect(sharePercent(7, 7)).toBe("100%");
    expect(sharePercent(1, 3)).toBe("33.4%");
  });

  it("reads ids, emails, domains and title patterns", () => {
    expect(parseExemptRule("7782342274025937895")).toEqual({ kind: "id", value: "7782342274025937895" });
    expect(parseExemptRule("Jane@Acme.com")).toEqual({ kind: "email", value: "jane@acme.com" });
    expect(parseExemptRule("@Contractors.acme.com")).toEqual({
      kind: "domain",
      value: "contractors.acme.com",
    });
    expect(parseExemptRule("domain:acme.io")).toEqual({ kind: "domain", value: "acme.io" });
    expect(parseExemptRule("title:VP*")).toEqual({ kind: "title", value: "VP*" });
  });

  it("refuses what it cannot read, with a clear message", () => {
    expect(() => parseExemptRule("jane")).toThrow(UsageError);
    expect(() => parseExemptRule("title:/[unclosed/")).toThrow(/not a valid title pattern/);
    expect(() => parseExemptRule("id:12ab")).toThrow(/not a Gong id/);
    expect(() => parseExemptRule("title:")).toThrow(/nothing after/);
  });

  it("matches primary emails, aliases, domains and titles case-insensitively", () => {
    const match = exemptionMatcher([
      { kind: "email", value: "old@acme.com", source: "list" },
      { kind: "domain", value: "contractors.acme.com", source: "setting" },
      { kind: "title", value: "vp *", source: "list" },
      { kind: "title", value: "/^chief/", source: "list" },
    ]);
    const user = (email: string | null, title: string | null, aliases: string[] = []) => ({
      id: "1",
      email,
      aliases,
      title,
    });
    expect(match(user("new@acme.com", null, ["OLD@acme.com"]))?.kind).toBe("email");
    expect(match(user("x@contractors.acme.com", null))?.kind).toBe("domain");
    expect(match(user("x@notcontractors.acme.com", null))).toBeNull();
    expect(match(user("a@acme.com", "VP Sales"))?.value).toBe("vp *");
    expect(match(user("a@acme.com", "Chief Revenue Officer"))?.value).toBe("/^chief/");
    expect(match(user("a@acme.com", "AVP Sales"))).toBeNull();
    expect(titleMatcher("Account Exec?tive")("account executive")).toBe(true);
  });

  it("a /…/g or /…/y pattern matches every matching title, not every other one", () => {
    for (const pattern of ["/^vp/g", "/^vp/y", "/^vp/gi"]) {
      const match = exemptionMatcher([{ kind: "title", value: pattern, source: "list" }]);
      const titles = ["VP Sales", "VP Marketing", "VP Finance", "VP People", "Director"];
      const hits = titles.map((title) => match({ id: "1", email: null, aliases: [], title }) !== null);
      expect(hits, pattern).toEqual([true, true, true, true, false]);
    }
  });

  it("a pattern that backtracks catastrophically is refused, not left to hang an audit", () => {
    expect(() => parseExemptRule("title:/^(a+)+$/")).toThrow(/takes too long/);
    const slow = titleMatcher("/^(\\w+\\s?)*$/");
    const started = performance.now();
    expect(() => slow(`${"word ".repeat(30)}!`)).toThrow(/takes too long/);
    // Bounded by the pattern's time limit, not by the pattern (which would take minutes).
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("email and domain rules are strict enough that a mention or a quote is not an address", () => {
    for (const text of ["<@U123|jane>", "'jane@acme.com", "jane@acme", "@acme"]) {
      expect(() => parseExemptRule(text), text).toThrow(UsageError);
    }
  });
});

describe("subjects", () => {
  const now = new Date("2026-06-01T00:00:00Z");
  const person = (id: string, extra: object = {}) => ({
    id,
    email: `${id}@acme.com`,
    aliases: [],
    firstName: "A",
    lastName: "B",
    title: "AE",
    active: true as boolean | null,
    managerId: null as string | null,
    created: "2024-01-01T00:00:00Z",
    ...extra,
  });

  it("sets aside new users, exempt users and (when asked) managers, with reasons; skips inactive users", () => {
    const people = [
      person("1"),
      person("2", { created: "2026-05-30T00:00:00Z" }),
      person("3", { email: "boss@acme.com" }),
      person("4"),
      person("5", { managerId: "4" }),
      person("6", { active: false }),
      person("7", { active: null }),
    ];
    const s = selectSubjects(people, {
      now,
      graceDays: 90,
      rules: [{ kind: "email", value: "boss@acme.com", source: "list", reason: "board seat" }],
      exemptManagers: true,
    });
    expect(s.candidates.map((p) => p.id)).toEqual(["1", "5"]);
    const reasons = Object.fromEntries(s.exempt.map((e) => [e.id, e.reason]));
    expect(reasons["2"]).toMatch(/created 2026-05-30, inside the 90-day grace period/);
    expect(reasons["3"]).toMatch(/exempt by email boss@acme.com .*board seat/);
    expect(reasons["4"]).toBe("manages 1 active user");
    expect(reasons["7"]).toMatch(/did not say whether this user is active/);
    expect(reasons["6"]).toBeUndefined();
  });
});

describe("the planner", () => {
  const base = {
    batchSize: 100,
    knownTotal: null,
    pagesRead: 0,
    estimatedTotal: null,
    settledPerRequest: null,
  };

  it("costs: bulk is a page per 100 calls; per-user at least a request per 100 users", () => {
    expect(bulkCost(0)).toBe(1);
    expect(bulkCost(101)).toBe(2);
    expect(perUserCost(1000, 100, null)).toBe(20);
    expect(perUserCost(1000, 100, 100)).toBe(10);
    expect(perUserCost(1000, 100, 5)).toBe(200);
  });

  it("decides from what is known, probing only when the answer could go either way", () => {
    expect(decideWindow({ ...base, unresolved: 0 })).toBe("skip");
    expect(decideWindow({ ...base, unresolved: 80 })).toBe("per-user");
    expect(decideWindow({ ...base, unresolved: 1000 })).toBe("probe");
    expect(decideWindow({ ...base, unresolved: 1000, estimatedTotal: 50_000 })).toBe("per-user");
    expect(decideWindow({ ...base, unresolved: 1000, estimatedTotal: 3_000 })).toBe("probe");
    expect(decideWindow({ ...base, unresolved: 1000, knownTotal: 900, pagesRead: 1 })).toBe("bulk");
    expect(decideWindow({ ...base, unresolved: 1000, knownTotal: 90_000, pagesRead: 1 })).toBe("per-user");
  });

  it("switches a per-user window to bulk only when bulk is clearly cheaper", () => {
    expect(shouldSwitchToBulk(5000, 100, 3, 20_000, 1)).toBe(true);
    expect(shouldSwitchToBulk(5000, 100, 60, 20_000, 1)).toBe(false);
    expect(shouldSwitchToBulk(5000, 100, 3, null, 0)).toBe(false);
  });
});

describe("the activity planner (the any rule)", () => {
  const base = { batchSize: 100, knownTotal: null, pagesRead: 0 };
  it("per-user is one request per 100 unchecked candidates; bulk one per 100 users with activity", () => {
    expect(activityPerUserCost(1, 100)).toBe(1);
    expect(activityPerUserCost(1001, 100)).toBe(11);
    expect(decideActivity({ ...base, unchecked: 0, activeUsers: 10 })).toBe("skip");
    // One batch covers everyone left: nothing can be cheaper.
    expect(decideActivity({ ...base, unchecked: 90, activeUsers: 10_000 })).toBe("per-user");
    // The listing cannot hold more records than there are active users.
    expect(decideActivity({ ...base, unchecked: 9_001, activeUsers: 9_050 })).toBe("bulk");
    // Many exempt users: only the listing's size decides, so read its first page.
    expect(decideActivity({ ...base, unchecked: 2_000, activeUsers: 10_000 })).toBe("probe");
    expect(
      decideActivity({ ...base, unchecked: 1_500, activeUsers: 10_000, knownTotal: 8_000, pagesRead: 1 }),
    ).toBe("per-user");
    expect(
      decideActivity({ ...base, unchecked: 1_900, activeUsers: 10_000, knownTotal: 1_500, pagesRead: 1 }),
    ).toBe("bulk");
  });
});
