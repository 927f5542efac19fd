import { describe, expect, it } from "vitest";
import type { RequestView } from "../../src/approvals/approvals.service.js";
import type { Block } from "../../src/slack/blocks/common.js";
import {
  REQUESTS_MAX,
  requestBlocks,
  requestsBlocks,
  SUBJECTS_MAX,
  TRAIL_MAX,
  trailBlocks,
} from "../../src/slack/blocks/requests.js";
import type { SubjectRow, TrailRow } from "../../src/store/approvals.repo.js";

/**
 * `/gong requests` and `/gong trail` past Block Kit's limits (50 blocks, 3,000 characters a section):
 * the answer stops inside them, says how many were left out and which command has them, and escapes
 * what came from Gong or from people.
 */
const long = "<!channel> & ".repeat(400);

function subject(id: number, state: SubjectRow["state"]): SubjectRow {
  return {
    id,
    requestId: 1,
    userId: String(id),
    name: `${long}${id}`,
    email: `u${id}@acme.example`,
    state,
    approverKind: "user",
    approverSlackId: "U1",
    stateReason: state === "failed" ? long : null,
    waitingNote: null,
  } as unknown as SubjectRow;
}

function view(id: number, subjects: SubjectRow[]): RequestView {
  return {
    request: {
      id,
      reason: long,
      requestedBy: "ops@desk (terminal)",
      requestedBySlack: null,
      createdAt: "2026-11-26T10:00:00.000Z",
    } as RequestView["request"],
    subjects,
    dryRun: false,
  };
}

function withinLimits(blocks: Block[]): void {
  expect(blocks.length).toBeLessThanOrEqual(50);
  for (const b of blocks as { type: string; text?: { text: string } }[])
    if (b.type === "section") expect(b.text!.text.length).toBeLessThanOrEqual(3000);
  expect(JSON.stringify(blocks)).not.toContain("<!channel>");
}

describe("requests and the trail in Slack stay inside Block Kit's limits", () => {
  it("200 open requests: the newest 20, and the command that lists the rest", () => {
    const views = Array.from({ length: 200 }, (_, i) => view(i + 1, [subject(i, "pending")]));
    const blocks = requestsBlocks(views, { used: 3, cap: 25 });
    withinLimits(blocks);
    const text = JSON.stringify(blocks);
    expect(text).toContain(`${200 - REQUESTS_MAX} more: \`gongops requests --open\``);
    expect(text).toContain("3 of 25");
  });

  it("one request of 300 users: the first 20 with their buttons, and `requests show` for the rest", () => {
    const subjects = Array.from({ length: 300 }, (_, i) => subject(i, i % 2 ? "pending" : "failed"));
    const blocks = requestBlocks(view(9, subjects));
    withinLimits(blocks);
    const text = JSON.stringify(blocks);
    expect(text).toContain(`${300 - SUBJECTS_MAX} more users: \`gongops requests show 9\``);
    expect(text).toContain("gong_approval_approve");
    expect(text).toContain("gong_approval_retry");
  });

  it("each user by the ref people type (subject 1.3: request 1's third), never the row id inside", () => {
    const subjects = [41, 42, 43].map((id) => ({ ...subject(id, "pending"), name: `User ${id}` }));
    const text = JSON.stringify(requestBlocks(view(1, subjects)));
    expect(text).toContain("subject 1.3:");
    expect(text).not.toContain("subject 43");
  });

  it("a trail of 5,000 rows: the newest 40, and the CSV for all of them", () => {
    const rows = Array.from(
      { length: 5000 },
      (_, i) =>
        ({
          id: i,
          subjectId: i % 7,
          requestId: 1,
          // A minute apart, oldest first (as the trail is read): row 4999 is the newest.
          at: new Date(Date.parse("2026-11-26T10:00:00.000Z") + i * 60_000).toISOString(),
          actor: i % 2 ? "<@U123>" : "<!here>",
          fromState: "pending",
          toState: "approved",
          why: long,
          override: i % 3 === 0,
        }) as TrailRow,
    );
    const blocks = trailBlocks(rows, new Map([[1, long]]), null);
    withinLimits(blocks);
    const text = JSON.stringify(blocks);
    expect(text).toContain(`The newest ${TRAIL_MAX} of 5000 rows`);
    // Newest first: row 4999 (10:00 + 4999 min), then down to row 4960, the 40th; row 4959 is left out.
    expect(TRAIL_MAX).toBe(40);
    expect(text.indexOf("2026-11-29 21:19")).toBeGreaterThan(-1);
    expect(text.indexOf("2026-11-29 21:19")).toBeLessThan(text.indexOf("2026-11-29 21:18"));
    expect(text).toContain("2026-11-29 20:40");
    expect(text).not.toContain("2026-11-29 20:39");
    expect(text).not.toContain("2026-11-26 10:00");
    // A Slack user who acted is a mention; any other actor is text.
    expect(text).toContain("<@U123>");
  });
});
