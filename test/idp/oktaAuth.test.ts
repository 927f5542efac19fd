import { generateKeyPairSync, verify } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { DpopKey } from "../../src/idp/dpop.js";
import { decodeJwt, jwkThumbprint, signJwt } from "../../src/idp/jose.js";
import { type OktaAuth, OktaTokenError, oktaAuth, tokenRefusal } from "../../src/idp/oktaAuth.js";
import { silentLogger } from "../../src/log.js";
import { OktaSim, type OktaSimOptions } from "../../src/sim/okta.js";
import { SimOrg } from "../../src/sim/org.js";

/** Okta's service-app auth on its own, against the simulator's authorization server. */

describe("JOSE as another verifier sees it", () => {
  it("RS256 and ES256 signatures check out with node:crypto directly; RFC 7638's thumbprint and RFC 9449's ath", () => {
    for (const [alg, pair] of [
      ["RS256", generateKeyPairSync("rsa", { modulusLength: 2048 })],
      ["ES256", generateKeyPairSync("ec", { namedCurve: "P-256" })],
    ] as const) {
      const jwt = signJwt({ typ: "JWT", kid: "k1" }, { iss: "0oa1" }, pair.privateKey, alg);
      const [h, c, s] = jwt.split(".") as [string, string, string];
      expect(decodeJwt(jwt)).toEqual({ header: { typ: "JWT", kid: "k1", alg }, claims: { iss: "0oa1" } });
      const signature = Buffer.from(s, "base64url");
      if (alg === "ES256") expect(signature).toHaveLength(64); // r||s, not DER
      const data = Buffer.from(`${h}.${c}`);
      expect(verify("sha256", data, { key: pair.publicKey, dsaEncoding: "ieee-p1363" }, signature)).toBe(
        true,
      );
    }
    // RFC 7638 §3.1.
    const n =
      "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
    expect(jwkThumbprint({ kty: "RSA", n, e: "AQAB", alg: "RS256", kid: "2011-04-29" })).toBe(
      "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
    );
    // RFC 9449 §7.1's access token and its ath, in a proof for a URL with a query and a fragment.
    const proof = DpopKey.generate().proof({
      method: "GET",
      url: new URL("https://acme.okta.com/api/v1/apps/0oa1/groups?limit=200#top"),
      now: 1_700_000_000_999,
      accessToken: "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU",
    });
    const { header, claims } = decodeJwt(proof)!;
    expect(header).toMatchObject({ typ: "dpop+jwt", alg: "ES256", jwk: { kty: "EC", crv: "P-256" } });
    expect(Object.keys(header.jwk as object).sort()).toEqual(["crv", "kty", "x", "y"]); // no private `d`
    expect(claims).toEqual({
      htm: "GET",
      htu: "https://acme.okta.com/api/v1/apps/0oa1/groups",
      iat: 1_700_000_000,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      ath: "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo",
    });
  });
});

describe("okta service app: one token for many calls, DPoP when Okta asks", () => {
  let okta: OktaSim;
  afterEach(async () => okta?.close());

  async function authFor(options: Partial<OktaSimOptions> = {}, now?: () => number): Promise<OktaAuth> {
    okta = await OktaSim.start({ org: SimOrg.generate({ users: 2, seed: 1 }), ...options });
    const config = loadConfig(okta.oauthEnv());
    const timing = now ? { now, sleep: async () => {}, random: Math.random } : undefined;
    return oktaAuth(config.idp.okta!.credentials, { orgUrl: okta.url, log: silentLogger, timing });
  }
  const api = (path: string) => ({ method: "GET", url: new URL(`${okta.url}${path}`) });

  it("concurrent callers share one token request; the token is renewed 60 s before expires_in, not earlier", async () => {
    let now = Date.now();
    const auth = await authFor({}, () => now);
    const headers = await Promise.all(Array.from({ length: 8 }, () => auth.headers(api("/api/v1/users/x"))));
    expect(okta.oauth.stats.tokenRequests).toBe(1);
    expect(new Set(headers.map((h) => h.authorization)).size).toBe(1);
    expect(headers[0]).toEqual({ authorization: expect.stringMatching(/^Bearer \S+$/) });
    now += (3600 - 61) * 1000;
    await auth.headers(api("/api/v1/users/x"));
    expect(okta.oauth.stats.tokenRequests).toBe(1);
    now += 2_000;
    const renewed = await auth.headers(api("/api/v1/users/x"));
    expect(okta.oauth.stats.tokenRequests).toBe(2);
    expect(renewed.authorization).not.toBe(headers[0]!.authorization);
  });

  it("an app that requires DPoP: invalid_dpop_proof once, use_dpop_nonce once; renewals reuse the nonce", async () => {
    const auth = await authFor({ oauth: { requireDpop: true } });
    const first = await auth.headers(api("/api/v1/apps/0oa1/groups"));
    expect(first).toEqual({
      authorization: expect.stringMatching(/^DPoP \S+$/),
      dpop: expect.stringMatching(/^eyJ/),
    });
    expect(okta.oauth.stats.byOutcome).toEqual({ invalid_dpop_proof: 1, use_dpop_nonce: 1, issued: 1 });
    // A new proof for every request, bound to the same token.
    const second = await auth.headers(api("/api/v1/apps/0oa1/groups"));
    expect(second.authorization).toBe(first.authorization);
    expect(second.dpop).not.toBe(first.dpop);
    expect(auth.unauthorized()).toBe(true); // a 401: the token is dropped
    await auth.headers(api("/api/v1/users/x"));
    expect(okta.oauth.stats.byOutcome).toEqual({ invalid_dpop_proof: 1, use_dpop_nonce: 1, issued: 2 });
    // Okta rotated its nonce: one more retry, with the new one.
    okta.oauth.rotateNonce();
    auth.unauthorized();
    await auth.headers(api("/api/v1/users/x"));
    expect(okta.oauth.stats.byOutcome).toEqual({ invalid_dpop_proof: 1, use_dpop_nonce: 2, issued: 3 });
  });

  it("an EC P-256 app key signs ES256 assertions; unauthorized_client in plain words; token-like text in Okta's words is cut", async () => {
    const auth = await authFor({ oauth: { keyType: "ec" } });
    expect((await auth.headers(api("/api/v1/users/x"))).authorization).toMatch(/^Bearer /);
    expect(okta.oauth.stats.byOutcome).toEqual({ issued: 1 });
    okta.oauth.clientCredentials = false;
    auth.unauthorized();
    const refused = await auth.headers(api("/api/v1/users/x")).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OktaTokenError);
    expect((refused as Error).message).toMatch(
      /^Okta does not let the service app use client credentials \(unauthorized_client\): it must be an API Services app with the Client Credentials grant\./,
    );
    const jwt = `eyJhbGciOiJSUzI1NiJ9.${"a".repeat(40)}.${"b".repeat(40)}`;
    const said = tokenRefusal(401, "invalid_client", `Bad assertion ${jwt} for 0oa1`, null);
    expect(said).toMatch(/Okta said: "Bad assertion … for 0oa1"$/);
  });
});
