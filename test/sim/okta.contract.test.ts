import { createPrivateKey, generateKeyPairSync, randomUUID } from "node:crypto";
import { generateKeyPair, generateProof, type KeyPair } from "dpop";
import { type KeyObject, SignJWT } from "jose";
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
import { OKTA_API_SCOPES } from "../../src/idp/oktaAuth.js";
import { OktaSim } from "../../src/sim/okta.js";
import { OKTA_SIM_KEY_ID } from "../../src/sim/oktaOAuth.js";
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

  it("rate limits per endpoint: X-Rate-Limit-* on every answer, E0000047 past the bucket", async () => {
    okta.setBuckets(2, 60_000);
    try {
      const app = `/api/v1/apps/${okta.appId}`;
      const one = await call("GET", app);
      expect(one.headers["x-rate-limit-limit"]).toBe("2");
      expect(one.headers["x-rate-limit-remaining"]).toBe("1");
      expect(Number(one.headers["x-rate-limit-reset"]) * 1000).toBeGreaterThan(Date.now());
      expect((await call("GET", app)).headers["x-rate-limit-remaining"]).toBe("0");
      const over = await call("GET", app);
      expect([over.status, oktaErrorSchema.parse(over.body).errorCode]).toEqual([429, "E0000047"]);
      // Another endpoint has its own bucket.
      expect((await call("GET", `${app}/groups`)).status).toBe(200);
    } finally {
      okta.setBuckets(600);
    }
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
    // A mapped profile property is the profile push's: a changed value is refused, as Okta refuses it.
    const changed = await call("POST", `${app}/users`, {
      id: idb,
      scope: "USER",
      profile: { lastName: "Else" },
    });
    expect([changed.status, oktaErrorSchema.parse(changed.body).errorCode]).toEqual([403, "E0000075"]);
    expect(okta.isDirect(b!.id)).toBe(false);
    const assigned = await call("POST", `${app}/users`, { id: idb, scope: "USER" });
    expect(assigned.status).toBe(200);
    expect(oktaAppUserSchema.parse(assigned.body).profile).toMatchObject({ lastName: b!.lastName });
    okta.rateLimit(1);
    const limited = await call("GET", app);
    expect([limited.status, oktaErrorSchema.parse(limited.body).errorCode]).toEqual([429, "E0000047"]);
    const now = Date.now();
    const wait = oktaRetryAfter(limited.headers, now)!;
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(2000);
  });
});

/** The org authorization server, spoken to by hand: Okta's token and error shapes, and DPoP's rules. */
describe("sim Okta contract: a service app's tokens", () => {
  const tokenUrl = () => `${okta.url}/oauth2/v1/token`;
  const appKey = () => createPrivateKey(okta.oauth.privateKey("pem"));
  const assertion = (
    claims: Record<string, unknown> = {},
    key: KeyObject = appKey(),
    kid = OKTA_SIM_KEY_ID,
  ) => {
    const iat = Math.floor(Date.now() / 1000);
    const base = { iss: okta.oauth.clientId, sub: okta.oauth.clientId, aud: tokenUrl(), iat, exp: iat + 300 };
    return new SignJWT({ ...base, jti: randomUUID(), ...claims })
      .setProtectedHeader({ alg: "RS256", kid })
      .sign(key);
  };
  async function token(form: Record<string, string> = {}, headers: Record<string, string> = {}) {
    const res = await request(tokenUrl(), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        scope: OKTA_API_SCOPES.join(" "),
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: await assertion(),
        ...form,
      }).toString(),
    });
    return {
      status: res.statusCode,
      headers: res.headers,
      body: (await res.body.json()) as Record<string, unknown>,
    };
  }
  const appUrl = () => `${okta.url}/api/v1/apps/${okta.appId}`; // any API call will do
  const get = async (url: string, headers: Record<string, string>) =>
    (await request(url, { headers })).statusCode;

  it("a good assertion → {token_type, expires_in, access_token, scope}; a bad one → invalid_client; scopes not granted → invalid_scope", async () => {
    const ok = await token();
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      token_type: "Bearer",
      expires_in: 3600,
      access_token: expect.any(String),
      scope: "okta.users.read okta.apps.read okta.apps.manage",
    });
    expect(await get(appUrl(), { authorization: `Bearer ${ok.body.access_token}` })).toBe(200);
    expect(await get(appUrl(), { authorization: `DPoP ${ok.body.access_token}` })).toBe(401);
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const jti = randomUUID();
    for (const bad of await Promise.all([
      assertion({}, other),
      assertion({}, appKey(), "another-kid"),
      assertion({ aud: `${okta.url}/oauth2/default/v1/token` }),
      assertion({ sub: "0oasomeoneelse" }),
      assertion({ exp: Math.floor(Date.now() / 1000) - 1 }),
      assertion({ exp: Math.floor(Date.now() / 1000) + 7200 }),
    ])) {
      const refused = await token({ client_assertion: bad });
      expect([refused.status, refused.body.error]).toEqual([401, "invalid_client"]);
      expect(refused.body.error_description).toEqual(expect.any(String));
    }
    expect((await token({ client_assertion: await assertion({ jti }) })).status).toBe(200);
    expect((await token({ client_assertion: await assertion({ jti }) })).body.error).toBe("invalid_client"); // replayed
    okta.oauth.grantedScopes = ["okta.users.read", "okta.apps.read"];
    const scope = await token();
    expect([scope.status, scope.body]).toEqual([
      400,
      { error: "invalid_scope", error_description: expect.stringContaining("okta.apps.manage") },
    ]);
    okta.oauth.grantedScopes = [...OKTA_API_SCOPES];
  });

  it("DPoP required: invalid_dpop_proof without a proof, use_dpop_nonce with a dpop-nonce header, then a bound token that needs its key's proof", async () => {
    okta.oauth.requireDpop = true;
    try {
      expect((await token()).body).toEqual({
        error: "invalid_dpop_proof",
        error_description: "The DPoP proof JWT header is missing.",
      });
      const key = await generateKeyPair("ES256");
      const asked = await token({}, { dpop: await generateProof(key, tokenUrl(), "POST") });
      expect([asked.status, asked.body.error]).toEqual([400, "use_dpop_nonce"]);
      const nonce = asked.headers["dpop-nonce"] as string;
      expect(nonce).toEqual(expect.any(String));
      const wrongHtm = await generateProof(key, tokenUrl(), "GET", nonce);
      expect((await token({}, { dpop: wrongHtm })).body.error).toBe("invalid_dpop_proof");
      const bound = await token({}, { dpop: await generateProof(key, tokenUrl(), "POST", nonce) });
      expect(bound.body).toMatchObject({ token_type: "DPoP", expires_in: 3600 });
      const access = bound.body.access_token as string;
      const url = new URL(`${appUrl()}?limit=1`);
      const htu = `${url.origin}${url.pathname}`;
      const proof = (k: KeyPair, accessToken = access, method = "GET") =>
        generateProof(k, htu, method, undefined, accessToken);
      expect(await get(url.href, { authorization: `DPoP ${access}`, dpop: await proof(key) })).toBe(200);
      expect(await get(url.href, { authorization: `Bearer ${access}` })).toBe(401);
      expect(await get(url.href, { authorization: `DPoP ${access}` })).toBe(401);
      const other = await generateKeyPair("ES256");
      expect(await get(url.href, { authorization: `DPoP ${access}`, dpop: await proof(other) })).toBe(401);
      expect(
        await get(url.href, { authorization: `DPoP ${access}`, dpop: await proof(key, "another") }),
      ).toBe(401);
      expect(
        await get(url.href, { authorization: `DPoP ${access}`, dpop: await proof(key, access, "POST") }),
      ).toBe(401);
      // A proof for the query's URL names the path only: one that keeps the query is refused.
      const withQuery = await generateProof(key, url.href, "GET", undefined, access);
      expect(await get(url.href, { authorization: `DPoP ${access}`, dpop: withQuery })).toBe(401);
      const replayed = await proof(key);
      expect(await get(url.href, { authorization: `DPoP ${access}`, dpop: replayed })).toBe(200);
      expect(await get(url.href, { authorization: `DPoP ${access}`, dpop: replayed })).toBe(401);
    } finally {
      okta.oauth.requireDpop = false;
    }
  });
});
