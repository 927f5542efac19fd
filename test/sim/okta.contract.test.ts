import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  oktaAppGroupSchema,
  oktaAppUserSchema,
  oktaErrorSchema,
  oktaFeatureSchema,
  oktaGroupSchema,
  oktaRetryAfter,
  oktaUserSchema,
} from "../../src/idp/okta.js";
import { OktaSim } from "../../src/sim/okta.js";
import { SimOrg } from "../../src/sim/org.js";

/** The Okta face keeps to the documented shapes the adapter reads (developer.okta.com Management API). */
let okta: OktaSim;
let org: SimOrg;
beforeAll(async () => {
  org = SimOrg.generate({ users: 5, seed: 3 });
  okta = await OktaSim.start({ org, pushDelayMs: 0 });
});
afterAll(async () => okta.close());

async function call(method: "GET" | "POST" | "DELETE", path: string, body?: unknown, token = okta.token) {
  const res = await request(`${okta.url}${path}`, {
    method,
    headers: { authorization: `SSWS ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

describe("sim Okta contract", () => {
  it("users, app users, groups and features have the shapes the adapter parses", async () => {
    const u = org.users()[0]!;
    const user = await call("GET", `/api/v1/users/${encodeURIComponent(u.emailAddress)}`);
    expect(user.status).toBe(200);
    const parsed = oktaUserSchema.parse(user.body);
    expect(parsed.id).toMatch(/^00u/);
    const app = `/api/v1/apps/${okta.appId}`;
    const appUser = await call("GET", `${app}/users/${parsed.id}`);
    expect(oktaAppUserSchema.parse(appUser.body).scope).toBe("USER");
    okta.addGroup("Contract group", [u.id]);
    expect(z.array(oktaAppGroupSchema).parse((await call("GET", `${app}/groups`)).body)).toHaveLength(1);
    expect(
      z.array(oktaGroupSchema).parse((await call("GET", `/api/v1/users/${parsed.id}/groups`)).body)[0]!
        .profile.name,
    ).toBe("Contract group");
    const features = z.array(oktaFeatureSchema).parse((await call("GET", `${app}/features`)).body);
    expect(features[0]!.capabilities?.update?.lifecycleDeactivate?.status).toBe("ENABLED");
  });

  it("errors: 401 E0000011, 404 E0000007, 403 E0000046 for group access, 204 on DELETE, 429 with X-Rate-Limit-Reset", async () => {
    const [a, b] = org.users().filter((u) => u.active);
    const ida = okta.oktaIdOf(a!.id)!;
    const idb = okta.oktaIdOf(b!.id)!;
    const app = `/api/v1/apps/${okta.appId}`;
    const unauth = await call("GET", `${app}/features`, undefined, "wrong");
    expect([unauth.status, oktaErrorSchema.parse(unauth.body).errorCode]).toEqual([401, "E0000011"]);
    const missing = await call("GET", "/api/v1/users/nobody%40example.com");
    expect([missing.status, oktaErrorSchema.parse(missing.body).errorCode]).toEqual([404, "E0000007"]);
    okta.addGroup("Grants", [a!.id]);
    const refused = await call("DELETE", `${app}/users/${ida}`);
    expect([refused.status, oktaErrorSchema.parse(refused.body).errorCode]).toEqual([403, "E0000046"]);
    const gone = await call("DELETE", `${app}/users/${idb}`);
    expect([gone.status, gone.body]).toEqual([204, undefined]);
    expect((await call("DELETE", `${app}/users/${idb}`)).status).toBe(404);
    expect((await call("POST", `${app}/users`, { id: idb, scope: "USER" })).status).toBe(200);
    okta.rateLimit(1);
    const limited = await call("GET", `${app}/features`);
    expect([limited.status, oktaErrorSchema.parse(limited.body).errorCode]).toEqual([429, "E0000047"]);
    const now = Date.now();
    const wait = oktaRetryAfter(limited.headers, now)!;
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(2000);
  });
});
