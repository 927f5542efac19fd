import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemClock } from "../../src/clock.js";
import { connectGong, type GongConnection } from "../../src/gong/connect.js";
import { ScimError } from "../../src/gong/errors.js";
import { scimEmailFilter } from "../../src/gong/scim.js";
import { Secret } from "../../src/secret.js";
import { captureLog } from "../helpers/log.js";
import { startScimmy } from "../helpers/scimmy.js";

const TOKEN = "scim-bearer-token-for-tests";
let server: Awaited<ReturnType<typeof startScimmy>>;
let gong: GongConnection;
let lines: string[];

function connect(token: string): GongConnection {
  const captured = captureLog([new Secret(TOKEN)]);
  lines = captured.lines;
  return connectGong({
    baseUrl: "http://127.0.0.1:9", // REST is not used here
    auth: { kind: "bearer", token: new Secret("unused-rest-token") },
    scimBaseUrl: server.url,
    scimToken: new Secret(token),
    maxConcurrent: 3,
    maxRps: 1000,
    dailyQuota: 1000,
    windowDays: 90,
    retry: { baseDelayMs: 1, maxDelayMs: 2 },
    clock: systemClock,
    log: captured.log,
  });
}

beforeEach(async () => {
  server = await startScimmy(
    [
      {
        id: "scim-1",
        userName: "jane.doe@acme.example",
        active: true,
        name: { givenName: "Jane", familyName: "Doe" },
      },
      { id: "scim-2", userName: "john.roe@acme.example", active: true },
      { id: "scim-3", userName: "JANE.DOE@other.example", active: true },
    ],
    TOKEN,
  );
  gong = connect(TOKEN);
});

afterEach(async () => {
  await gong.close();
  await server.close();
});

describe("SCIM client against scimmy (an independent SCIM 2.0 server)", () => {
  it("finds a user by email and deactivates them with a PatchOp", async () => {
    const user = await gong.scim!.findUserByEmail("jane.doe@acme.example");
    expect(user?.id).toBe("scim-1");
    const after = await gong.scim!.setActive("scim-1", false);
    expect(after.active).toBe(false);
    expect(server.users.get("scim-1")?.active).toBe(false);
    expect(server.users.get("scim-2")?.active).toBe(true);
    expect((await gong.scim!.getUser("scim-1"))?.active).toBe(false);
    // And back: SCIM deprovisioning is reversible.
    expect((await gong.scim!.setActive("scim-1", true)).active).toBe(true);
  });

  it("returns null for an unknown email and an unknown id", async () => {
    expect(await gong.scim!.findUserByEmail("nobody@acme.example")).toBeNull();
    expect(await gong.scim!.getUser("scim-404")).toBeNull();
  });

  it("surfaces SCIM errors with status and detail", async () => {
    const error = await gong.scim!.setActive("scim-404", false).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScimError);
    expect((error as ScimError).status).toBe(404);
    expect((error as ScimError).message).toContain("scim-404 not found");
  });

  it("surfaces scimType for a filter the server cannot parse", async () => {
    // scimmy's filter parser does not accept an escaped quote (RFC 7644 allows it); the error must still
    // come through as a typed SCIM error with its scimType.
    const error = await gong.scim!.findUserByEmail('a"b@acme.example').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScimError);
    expect((error as ScimError).scimType).toBe("invalidFilter");
  });

  it("a wrong token is a SCIM error that does not echo the token", async () => {
    const wrong = connect("not-the-token-at-all");
    const error = await wrong.scim!.findUserByEmail("jane.doe@acme.example").catch((e: unknown) => e);
    await wrong.close();
    expect(error).toBeInstanceOf(ScimError);
    expect((error as ScimError).status).toBe(401);
    expect(String((error as Error).message)).not.toContain("not-the-token-at-all");
    for (const line of lines) expect(line).not.toContain("not-the-token-at-all");
  });
});

describe("scimEmailFilter", () => {
  it("quotes the email and escapes quotes and backslashes (RFC 7644 §3.4.2.2)", () => {
    expect(scimEmailFilter("jane@acme.example")).toBe('userName eq "jane@acme.example"');
    expect(scimEmailFilter('a"b\\c@acme.example')).toBe('userName eq "a\\"b\\\\c@acme.example"');
  });
});
