import { createHash, createPublicKey, type JsonWebKey, verify } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { systemClock } from "../../src/clock.js";
import { loadConfig } from "../../src/config.js";
import { type OktaAuth, OktaTokenError, oktaAuth, tokenRefusal } from "../../src/idp/oktaAuth.js";
import { silentLogger } from "../../src/log.js";
import { OktaSim, type OktaSimOptions } from "../../src/sim/okta.js";
import { SimOrg } from "../../src/sim/org.js";

/** Okta's service-app auth on its own, against the simulator's authorization server. */

/** A compact JWS's header, claims and signature, read by hand (no JOSE library). */
const partsOf = (jwt: string) => {
  const [h, c, s] = jwt.split(".") as [string, string, string];
  const json = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  return {
    header: json(h),
    claims: json(c),
    signed: Buffer.from(`${h}.${c}`),
    signature: Buffer.from(s, "base64url"),
  };
};

describe("JOSE as another verifier sees it", () => {
  let okta: OktaSim;
  afterEach(async () => okta?.close());

  it.each(["rsa", "ec"] as const)(
    "%s app key: the client assertion and the DPoP proofs check out with node:crypto alone; htu drops query and fragment, ath is the token's hash",
    async (keyType) => {
      okta = await OktaSim.start({
        org: SimOrg.generate({ users: 2, seed: 1 }),
        oauth: { keyType, requireDpop: true },
      });
      const config = loadConfig(okta.oauthEnv());
      const auth = oktaAuth(config.idp.okta!.credentials, { orgUrl: okta.url, log: silentLogger });
      const url = new URL(`${okta.url}/api/v1/apps/0oa1/groups?limit=200#top`);
      const sent = await auth.headers({ method: "GET", url });
      const token = /^DPoP (\S+)$/.exec(sent.authorization!)![1]!;

      // The client assertions gongops posted (one per token request: three in the DPoP dance).
      const appKey = createPublicKey(okta.oauth.privateKey("pem"));
      const alg = keyType === "rsa" ? "RS256" : "ES256";
      const assertions = okta.oauth
        .wireSecrets()
        .filter((w) => w.startsWith("eyJ") && partsOf(w).header.typ === "JWT");
      expect(assertions).toHaveLength(3);
      for (const a of assertions) {
        const { header, claims, signed, signature } = partsOf(a);
        expect(header).toEqual({ alg, typ: "JWT", kid: "sim-key-1" });
        if (alg === "ES256") expect(signature).toHaveLength(64); // r||s, not DER
        expect(verify("sha256", signed, { key: appKey, dsaEncoding: "ieee-p1363" }, signature)).toBe(true);
        expect(claims).toEqual({
          iss: okta.oauth.clientId,
          sub: okta.oauth.clientId,
          aud: `${okta.url}/oauth2/v1/token`,
          iat: expect.any(Number),
          exp: claims.iat + 300,
          jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
        });
      }
      expect(new Set(assertions.map((a) => partsOf(a).claims.jti)).size).toBe(3);

      // The API call's proof: ES256 by a key of gongops' own, public members only, bound to the token.
      const { header, claims, signed, signature } = partsOf(sent.dpop!);
      expect(header).toMatchObject({ typ: "dpop+jwt", alg: "ES256", jwk: { kty: "EC", crv: "P-256" } });
      expect(Object.keys(header.jwk).sort()).toEqual(["crv", "kty", "x", "y"]); // no private `d`
      const proofKey = createPublicKey({ key: header.jwk as JsonWebKey, format: "jwk" });
      expect(verify("sha256", signed, { key: proofKey, dsaEncoding: "ieee-p1363" }, signature)).toBe(true);
      expect(claims).toEqual({
        htm: "GET",
        htu: `${okta.url}/api/v1/apps/0oa1/groups`,
        iat: expect.any(Number),
        jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
        ath: createHash("sha256").update(token).digest("base64url"),
      });
      expect(Math.abs(claims.iat - Date.now() / 1000)).toBeLessThan(60);
    },
  );
});

describe("okta service app: one token for many calls, DPoP when Okta asks", () => {
  let okta: OktaSim;
  afterEach(async () => okta?.close());

  async function authFor(options: Partial<OktaSimOptions> = {}, now?: () => number): Promise<OktaAuth> {
    okta = await OktaSim.start({ org: SimOrg.generate({ users: 2, seed: 1 }), ...options });
    const config = loadConfig(okta.oauthEnv());
    const clock = now ? { ...systemClock, now } : undefined;
    return oktaAuth(config.idp.okta!.credentials, { orgUrl: okta.url, log: silentLogger, clock });
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
