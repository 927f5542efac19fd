import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { nextLink } from "../../src/idp/http.js";
import {
  oktaAppGroupSchema,
  oktaAppSchema,
  oktaAppUserSchema,
  oktaErrorSchema,
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
    const appObject = oktaAppSchema.parse((await call("GET", app)).body);
    expect(appObject.status).toBe("ACTIVE");
    expect(appObject.features).toContain("PUSH_USER_DEACTIVATION");
  });

  it("lists page with limit and a Link header: rel=next carries the cursor, the last page has none", async () => {
    const app = `/api/v1/apps/${okta.appId}`;
    for (let i = 0; i < 5; i++) okta.addGroup(`Paged ${i}`, []);
    const total = z
      .array(oktaAppGroupSchema)
      .parse((await call("GET", `${app}/groups?limit=200`)).body).length;
    expect(total).toBeGreaterThanOrEqual(5);
    const ids: string[] = [];
    let path: string | null = `${app}/groups?limit=2`;
    let pages = 0;
    while (path) {
      const res = await call("GET", path);
      expect(String(res.headers.link)).toMatch(/rel="self"/);
      const page = z.array(oktaAppGroupSchema).parse(res.body);
      expect(page.length).toBeLessThanOrEqual(2);
      ids.push(...page.map((g) => g.id));
      const next = nextLink(res.headers);
      path = next ? next.slice(okta.url.length) : null;
      pages++;
    }
    expect(pages).toBe(Math.ceil(total / 2));
    expect(new Set(ids).size).toBe(total);
    // Okta caps app-group pages at 200 and defaults to 20.
    expect((await call("GET", `${app}/groups?limit=1000`)).body.length).toBe(total);
  });

  it("errors: 401 E0000011, 404 E0000007, 403 E0000046 for group access, 204 on DELETE, 429 with X-Rate-Limit-Reset", async () => {
    const [a, b] = org.users().filter((u) => u.active);
    const ida = okta.oktaIdOf(a!.id)!;
    const idb = okta.oktaIdOf(b!.id)!;
    const app = `/api/v1/apps/${okta.appId}`;
    const unauth = await call("GET", app, undefined, "wrong");
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
    const limited = await call("GET", app);
    expect([limited.status, oktaErrorSchema.parse(limited.body).errorCode]).toEqual([429, "E0000047"]);
    const now = Date.now();
    const wait = oktaRetryAfter(limited.headers, now)!;
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(2000);
  });
});
