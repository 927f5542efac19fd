import { describe, expect, it } from "vitest";
import type { AuditReport } from "../../src/audit/report.js";
import { GongAuthError } from "../../src/gong/errors.js";
import { auditPages, auditSummaryBlocks, progressBar, USERS_PER_PAGE } from "../../src/slack/blocks/audit.js";
import { linesToSections } from "../../src/slack/blocks/common.js";
import { helpBlocks } from "../../src/slack/blocks/help.js";
import { userCardBlocks } from "../../src/slack/blocks/users.js";
import { explainError } from "../../src/slack/explain.js";
import { email, escapeMrkdwn, plain } from "../../src/slack/mrkdwn.js";

function report(n: number): AuditReport {
  const long = "<!channel> & ".repeat(40);
  return {
    runId: 7,
    status: "succeeded",
    from: "2026-08-28T00:00:00.000Z",
    to: "2026-11-26T00:00:00.000Z",
    lookbackDays: 90,
    lookBack: { timeZone: "<!channel>/Zone", firstDay: "2026-08-28", lastDay: "2026-11-26" },
    inactive: Array.from({ length: n }, (_, i) => ({
      id: String(7782342274025937000n + BigInt(i)),
      email: `user${i}@acme.example`,
      firstName: long,
      lastName: `<https://evil.example|${i}>`,
      title: long,
      managerId: null,
      created: "2024-01-01T00:00:00Z",
      lastHostedCall: null,
      activity: {},
    })),
    rule: "any",
    // What Gong names (its time zone) reaches Slack in this text: a hostile one must stay inert.
    days: "any activity on the whole days 2026-08-28 to 2026-11-25 in <!channel>/Zone",
    timeZone: "<!channel>/Zone",
    fromDate: "2026-08-28",
    toDate: "2026-11-26",
    activeOtherThanHosting: [],
    exempt: [],
    summary: {
      rule: "any",
      candidates: n * 2,
      inactive: n,
      exempt: 0,
      apiRequests: 42,
      strategy: "per-user",
    },
    startedAt: "2026-11-26T00:00:00.000Z",
    finishedAt: "2026-11-26T00:01:00.000Z",
    directorySyncedAt: "2026-11-25T23:59:00.000Z",
    durationMs: 60_000,
    settled: n * 2,
    windows: [],
    resumeAt: null,
    error: null,
  };
}

describe("Block Kit builders", () => {
  it("escape Gong text and keep emails out of mailto links", () => {
    expect(escapeMrkdwn("<!channel> & <https://x|y>")).toBe("&lt;!channel&gt; &amp; &lt;https://x|y&gt;");
    expect(email("a.b@acme.example")).toBe("`a.b@acme.example`");
    expect(plain("<!here>").text).toBe("‹!here›");
  });

  it("page a big audit within Slack's limits: ≤ 50 blocks, ≤ 3,000 characters a text, nothing unescaped", () => {
    const r = report(500);
    expect(auditPages(r)).toBe(Math.ceil(500 / USERS_PER_PAGE));
    for (const page of [0, 1, auditPages(r) - 1]) {
      const blocks = auditSummaryBlocks(r, page, new Map());
      expect(blocks.length).toBeLessThanOrEqual(50);
      const json = JSON.stringify(blocks);
      expect(json).not.toContain("<!channel>");
      expect(json).toContain("in &lt;!channel&gt;/Zone");
      expect(json).toContain("rule: any");
      expect(json).not.toContain("<https://evil");
      for (const b of blocks as { text?: { text: string } }[])
        if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
    }
    const last = JSON.stringify(auditSummaryBlocks(r, auditPages(r) - 1, new Map()));
    expect(last).toContain("Previous");
    expect(last).not.toContain('"Next"');
  });

  it("a user accessory (the future 'Request deactivation' button) attaches to each listed user", () => {
    const blocks = auditSummaryBlocks(report(3), 0, new Map(), (u) => ({
      type: "button",
      text: { type: "plain_text", text: "Request deactivation" },
      action_id: "x",
      value: u.id,
    }));
    expect(blocks.filter((b) => "accessory" in b)).toHaveLength(3);
  });

  it("show each listed user's deactivation request, when there is one", () => {
    const r = report(3);
    const [first, second] = r.inactive;
    const json = JSON.stringify(
      auditSummaryBlocks(r, 0, new Map(), undefined, "", new Map([[first!.id, "approved <by> (request 4)"]])),
    );
    expect(json).toContain("deactivation request: approved &lt;by&gt; (request 4)");
    expect(json.split("deactivation request:")).toHaveLength(2);
    expect(second).toBeDefined();
  });

  it("pack lines into sections under the text limit", () => {
    const sections = linesToSections(Array.from({ length: 300 }, (_, i) => `line ${i} ${"x".repeat(50)}`));
    expect(sections.length).toBeGreaterThan(1);
    for (const s of sections as { text: { text: string } }[])
      expect(s.text.text.length).toBeLessThanOrEqual(2900);
  });

  it("draw progress and help", () => {
    expect(progressBar(0.5, 10)).toBe("▓▓▓▓▓░░░░░ 50%");
    expect(JSON.stringify(helpBlocks(["help", "user"]))).not.toContain("audit");
    expect(JSON.stringify(helpBlocks(["user"]))).toContain("&lt;email");
  });

  it("show a user's activity line on the card, escaped", () => {
    const card = {
      id: "1",
      name: "Ana",
      email: null,
      title: null,
      active: true,
      manager: null,
      created: null,
      emailAliases: [],
    } as unknown as Parameters<typeof userCardBlocks>[0];
    const json = JSON.stringify(
      userCardBlocks(card, "fresh", "last 90 days (…, <!here>): listened to 14 calls"),
    );
    expect(json).toContain("*Activity* last 90 days (…, &lt;!here&gt;): listened to 14 calls");
    expect(json).not.toContain("<!here>");
    expect(JSON.stringify(userCardBlocks(card, "fresh"))).not.toContain("Activity");
  });

  it("explain a missing statistics scope by name, and other refusals as before", () => {
    const where = { method: "POST", path: "/v2/stats/activity/aggregate", status: 403 };
    expect(explainError(new GongAuthError(where, "api:stats:user-actions"))).toMatch(
      /lacks the scope api:stats:user-actions/,
    );
    expect(explainError(new GongAuthError({ ...where, path: "/v2/users", status: 401 }))).toMatch(
      /refused gongops' credentials/,
    );
  });
});
