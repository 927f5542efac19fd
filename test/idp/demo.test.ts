import { describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";

describe("gongops demo --via okta", () => {
  it("audit → approval → unassign in the fake Okta → the sync that proves it → undo", async () => {
    const r = await cli(["demo", "--via", "okta", "--users", "150", "--latency", "0", "--json"], {});
    expect(r.code).toBe(0);
    const approval = r.json().demo.approval;
    expect(approval.scimPatches).toBe(0);
    expect(approval.idp).toEqual({
      via: "okta",
      unassigns: approval.subjects.length,
      verifiedBySync: true,
      reassigns: 1,
      activeAgainAfterUndo: true,
    });
    expect(approval.subjects.map((s: { state: string }) => s.state).sort()[0]).toBe("done");
  }, 30_000);
});
