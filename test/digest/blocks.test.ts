import { describe, expect, it } from "vitest";
import type { Digest, DigestPerson } from "../../src/digest/digest.js";
import { digestBlocks } from "../../src/slack/blocks/digest.js";

const person = (i: number, name = `User ${i}`): DigestPerson => ({
  id: String(1000 + i),
  name,
  email: `u${i}@acme.example`,
  title: null,
  managerId: "9",
  managerName: "Boss <b>",
});

function digest(over: Partial<Digest> = {}): Digest {
  const inactive = Array.from({ length: 400 }, (_, i) =>
    person(i, i === 0 ? "<!channel> & co" : `User ${i}`),
  );
  return {
    generatedAt: "2026-03-30T07:00:00.000Z",
    lookbackDays: 90,
    auditRunId: 7,
    snapshotGen: 3,
    headline: {
      inactive: 400,
      activeUsers: 1000,
      yearlyCost: { amount: 480000, currency: "EUR", perSeat: 1200 },
    },
    since: {
      previousAt: "2026-03-23T07:00:00.000Z",
      newlyInactive: inactive.slice(0, 150),
      backInUse: [],
      deactivated: [{ id: "1", name: "Gone <@U1>", before: null, after: null }],
      joined: [],
      left: [],
      managerChanged: [{ id: "2", name: "Moved", before: "1", after: "3" }],
      pendingApprovals: null,
    },
    topManagers: [{ id: "9", name: "Boss <b>", inactiveReports: 400 }],
    inactive,
    news: true,
    ...over,
  };
}
const opts = { delayedNote: null, csvNote: null, requestAction: null };

describe("the digest in Block Kit", () => {
  it("escapes Gong text, caps the lists, stays within Block Kit's limits", () => {
    const blocks = digestBlocks(digest(), opts);
    const json = JSON.stringify(blocks);
    expect(json).toContain("&lt;!channel&gt; &amp; co");
    expect(json).toContain("Gone &lt;@U1&gt;");
    expect(json).not.toContain("<!channel>");
    expect(json).toContain("*Newly inactive* (150):");
    expect(json).toContain("and 140 more");
    expect(json).toContain("€480,000 a year in seats");
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const b of blocks) if (b.type === "section") expect(b.text!.text.length).toBeLessThanOrEqual(3000);
    expect(json).not.toContain("Request deactivation");
  });

  it("shows the request button only with an approvals action, and zero news as one short line", () => {
    const withButton = JSON.stringify(
      digestBlocks(digest(), {
        ...opts,
        requestAction: { actionId: "approvals_request", value: "digest:1" },
      }),
    );
    expect(withButton).toContain("Request deactivation for these 400");
    const quiet = digestBlocks(
      digest({
        news: false,
        since: { ...digest().since!, newlyInactive: [], deactivated: [], managerChanged: [] },
      }),
      { ...opts, delayedNote: "Delayed: this run was due at Mon 2026-03-30 09:00 CEST." },
    );
    expect(quiet).toHaveLength(2);
    expect(JSON.stringify(quiet[0])).toContain(
      "No change since the last digest: 400 of 1000 active Gong users",
    );
    expect(JSON.stringify(quiet[1])).toContain("Delayed: this run was due at");
  });
});
