import { createHash, generateKeyPairSync, type KeyObject, randomBytes } from "node:crypto";
import { calculateJwkThumbprint, EmbeddedJWK, errors, type JWTPayload, jwtVerify } from "jose";
import { OKTA_API_SCOPES } from "../idp/oktaAuth.js";
import type { IdpCtx, IdpReply } from "./idpServer.js";

/**
 * The org authorization server of the simulator's Okta face, for an OAuth service app: client credentials
 * with private_key_jwt (developer.okta.com, "Implement OAuth for Okta with a service app") and, when the
 * app requires it, DPoP (RFC 9449, Okta's "Configure OAuth 2.0 Demonstrating Proof-of-Possession").
 *
 * POST /oauth2/v1/token checks, as Okta does: the DPoP proof when required (400 invalid_dpop_proof without
 * one, 400 use_dpop_nonce with a `dpop-nonce` header until the proof carries it), the client assertion
 * (signature by the registered key, kid, iss = sub = client id, aud = the token URL, exp within the hour,
 * jti once), the grant, and that the scopes asked for are granted. Answers
 * `{token_type, expires_in, access_token, scope}`, errors `{error, error_description}`. API calls accept
 * a Bearer token, or a DPoP token only with a proof whose key is the one the token is bound to (cnf.jkt)
 * and whose `ath` is the token's hash.
 *
 * Signatures, embedded keys and thumbprints are checked with `jose`, never with gongops' own code: a
 * bug on gongops' side must not be mirrored here, where it would pass unnoticed.
 */

export const OKTA_SIM_CLIENT_ID = "0oaserviceapp0000001";
export const OKTA_SIM_KEY_ID = "sim-key-1";

export interface OktaOAuthSimOptions {
  clientId?: string;
  /** The key registered on the app: RSA (RS256, the console's default) or EC P-256 (ES256). */
  keyType?: "rsa" | "ec";
  grantedScopes?: string[];
  /** The app's "Require Demonstrating Proof of Possession (DPoP) header in token requests". */
  requireDpop?: boolean;
  expiresIn?: number;
}

interface IssuedToken {
  scopes: string[];
  /** The DPoP key's thumbprint (cnf.jkt); null for a Bearer token. */
  jkt: string | null;
  expiresAt: number;
}

function oauthError(status: number, error: string, description: string, headers?: Record<string, string>) {
  return { status, body: { error, error_description: description }, headers };
}

/** A proof's or assertion's age window: Okta allows a little clock skew either way. */
const SKEW_SECONDS = 300;

export class OktaOAuthSim {
  readonly clientId: string;
  grantedScopes: string[];
  requireDpop: boolean;
  expiresIn: number;
  /** The app's client authentication is client credentials (false: answers unauthorized_client). */
  clientCredentials = true;
  /** The app has an admin role over the Gong app (false: the API answers 403 E0000006 to its tokens). */
  adminRole = true;
  /** Token requests by outcome: "issued", or the OAuth error code answered. */
  readonly stats = { tokenRequests: 0, byOutcome: {} as Record<string, number> };
  private readonly keyType: "rsa" | "ec";
  private pair: { privateKey: KeyObject; publicKey: KeyObject } | null = null;
  private readonly tokens = new Map<string, IssuedToken>();
  /** Every client assertion and DPoP proof received and every token issued: tests look for them in logs. */
  private readonly onTheWire: string[] = [];
  private readonly seenJtis = new Set<string>();
  private nonce = randomBytes(16).toString("base64url");

  constructor(options: OktaOAuthSimOptions = {}) {
    this.clientId = options.clientId ?? OKTA_SIM_CLIENT_ID;
    this.keyType = options.keyType ?? "rsa";
    this.grantedScopes = options.grantedScopes ?? [...OKTA_API_SCOPES];
    this.requireDpop = options.requireDpop ?? false;
    this.expiresIn = options.expiresIn ?? 3600;
  }

  /** The registered key pair, made on first use (an RSA pair takes a moment). */
  private keys(): { privateKey: KeyObject; publicKey: KeyObject } {
    this.pair ??=
      this.keyType === "rsa"
        ? generateKeyPairSync("rsa", { modulusLength: 2048 })
        : generateKeyPairSync("ec", { namedCurve: "P-256" });
    return this.pair;
  }

  /** The private key as an admin would paste it: PKCS#8 PEM, or the JWK Okta's console shows (with kid). */
  privateKey(format: "pem" | "jwk"): string {
    const { privateKey } = this.keys();
    if (format === "pem") return privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    const jwk = privateKey.export({ format: "jwk" });
    return JSON.stringify({
      ...jwk,
      kid: OKTA_SIM_KEY_ID,
      use: "sig",
      alg: this.keyType === "rsa" ? "RS256" : "ES256",
    });
  }

  /** Every issued token stops working (an admin revoked them, or Okta rotated its keys). */
  revokeTokens(): void {
    this.tokens.clear();
  }

  /** A new nonce (Okta rotates them): the next DPoP token request is asked to use it. */
  rotateNonce(): void {
    this.nonce = randomBytes(16).toString("base64url");
  }

  /** What a log line or the trail must never show: assertions, proofs and tokens seen so far. */
  wireSecrets(): string[] {
    return [...this.onTheWire];
  }

  async token(ctx: IdpCtx, tokenUrl: string): Promise<IdpReply> {
    this.stats.tokenRequests++;
    const form = (ctx.body ?? {}) as Record<string, string | undefined>;
    for (const v of [form.client_assertion, header(ctx, "dpop")]) if (v) this.onTheWire.push(v);
    const reply = await this.answer(ctx, tokenUrl);
    const outcome = reply.status === 200 ? "issued" : String((reply.body as { error: string }).error);
    this.stats.byOutcome[outcome] = (this.stats.byOutcome[outcome] ?? 0) + 1;
    return reply;
  }

  private async answer(ctx: IdpCtx, tokenUrl: string): Promise<IdpReply> {
    const form = (ctx.body ?? {}) as Record<string, string | undefined>;
    const proof = header(ctx, "dpop");
    let jkt: string | null = null;
    if (proof !== undefined || this.requireDpop) {
      if (proof === undefined)
        return oauthError(400, "invalid_dpop_proof", "The DPoP proof JWT header is missing.");
      const checked = await this.checkProof(proof, "POST", tokenUrl);
      if (typeof checked === "string") return oauthError(400, "invalid_dpop_proof", checked);
      if (checked.claims.nonce !== this.nonce)
        return oauthError(400, "use_dpop_nonce", "Authorization server requires nonce in DPoP proof.", {
          "dpop-nonce": this.nonce,
        });
      jkt = checked.jkt;
    }
    const client = await this.checkAssertion(form, tokenUrl);
    if (client) return oauthError(401, "invalid_client", client);
    if (form.grant_type !== "client_credentials")
      return oauthError(400, "unsupported_grant_type", "The grant_type is not supported.");
    if (!this.clientCredentials)
      return oauthError(
        400,
        "unauthorized_client",
        "The client is not authorized to use the provided grant type. Configured grant types: [authorization_code].",
      );
    const asked = (form.scope ?? "").split(" ").filter(Boolean);
    const missing = asked.filter((s) => !this.grantedScopes.includes(s));
    if (asked.length === 0 || missing.length > 0)
      return oauthError(
        400,
        "invalid_scope",
        `The following scopes were requested, but not granted: ${missing.join(" ") || "(none asked)"}`,
      );
    const accessToken = randomBytes(32).toString("base64url");
    this.onTheWire.push(accessToken);
    this.tokens.set(accessToken, { scopes: asked, jkt, expiresAt: Date.now() + this.expiresIn * 1000 });
    return {
      status: 200,
      body: {
        token_type: jkt ? "DPoP" : "Bearer",
        expires_in: this.expiresIn,
        access_token: accessToken,
        scope: asked.join(" "),
      },
    };
  }

  /** Why the client assertion is refused (Okta's invalid_client descriptions); null when it is good. */
  private async checkAssertion(
    form: Record<string, string | undefined>,
    tokenUrl: string,
  ): Promise<string | null> {
    if (form.client_assertion_type !== "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
      return "client_assertion_type is invalid.";
    let h: { kid?: string };
    let c: JWTPayload;
    try {
      // The registered key decides the algorithm, never the token's header.
      ({ protectedHeader: h, payload: c } = await jwtVerify(
        form.client_assertion ?? "",
        this.keys().publicKey,
        {
          algorithms: [this.keyType === "rsa" ? "RS256" : "ES256"],
        },
      ));
    } catch (error) {
      return error instanceof errors.JWTExpired
        ? "The client_assertion token is expired."
        : "The client_assertion signature is invalid.";
    }
    if (h.kid !== undefined && h.kid !== OKTA_SIM_KEY_ID)
      return "The client_assertion token has an invalid kid.";
    if (c.iss !== this.clientId || c.sub !== this.clientId) return "The client_id is invalid.";
    if (c.aud !== tokenUrl) return "The audience [aud] claim in the JWT is invalid.";
    if (typeof c.exp !== "number") return "The client_assertion token is expired.";
    if (typeof c.iat === "number" && c.exp - c.iat > 3600)
      return "The client_assertion token has an expiration too far in the future.";
    if (typeof c.jti !== "string" || this.seenJtis.has(c.jti))
      return "The client_assertion token has already been used.";
    this.seenJtis.add(c.jti);
    return null;
  }

  /** A DPoP proof for this request, checked: its claims and key thumbprint, or why it is refused. */
  private async checkProof(
    proof: string,
    method: string,
    htu: string,
  ): Promise<{ claims: JWTPayload; jkt: string } | string> {
    let verified: Awaited<ReturnType<typeof jwtVerify>>;
    try {
      // The key is the one the proof carries (its `jwk` header), a public one, as RFC 9449 §4.3 says.
      verified = await jwtVerify(proof, EmbeddedJWK, {
        typ: "dpop+jwt",
        algorithms: ["ES256", "RS256", "PS256"],
      });
    } catch (error) {
      if (error instanceof errors.JWTClaimValidationFailed && error.claim === "typ")
        return "The DPoP proof JWT 'typ' is invalid.";
      return error instanceof errors.JWSSignatureVerificationFailed
        ? "The DPoP proof JWT signature is invalid."
        : "The DPoP proof JWT is malformed.";
    }
    const c = verified.payload;
    if (c.htm !== method) return "'htm' claim in the DPoP proof JWT is invalid.";
    if (c.htu !== htu) return "'htu' claim in the DPoP proof JWT is invalid.";
    const now = Math.floor(Date.now() / 1000);
    if (typeof c.iat !== "number" || Math.abs(c.iat - now) > SKEW_SECONDS)
      return "'iat' claim in the DPoP proof JWT is invalid.";
    if (typeof c.jti !== "string" || this.seenJtis.has(c.jti))
      return "The DPoP proof JWT has been used before.";
    this.seenJtis.add(c.jti);
    return { claims: c, jkt: await calculateJwkThumbprint(verified.protectedHeader.jwk!, "sha256") };
  }

  /** Whether the request came with an OAuth token (not the API token). */
  static carriesToken(ctx: IdpCtx): boolean {
    return /^(Bearer|DPoP) /.test(header(ctx, "authorization") ?? "");
  }

  /** Whether an API request's `Authorization` (Bearer, or DPoP with its proof) is good. */
  async authorizes(ctx: IdpCtx, baseUrl: string): Promise<boolean> {
    const m = /^(Bearer|DPoP) (\S+)$/.exec(header(ctx, "authorization") ?? "");
    if (!m) return false;
    const token = this.tokens.get(m[2]!);
    if (!token || token.expiresAt <= Date.now()) return false;
    if (m[1] === "Bearer") return token.jkt === null; // a bound token is no bearer token
    const proof = header(ctx, "dpop");
    if (token.jkt === null || proof === undefined) return false;
    this.onTheWire.push(proof);
    // Okta compares htu with the decoded path (okta-sdk-python#541): a proof that names `fay%40acme.com`
    // for a request to /api/v1/users/fay%40acme.com fails there, so it fails here.
    let path: string;
    try {
      path = decodeURIComponent(ctx.url.pathname);
    } catch {
      return false; // a badly escaped path matches no proof
    }
    const checked = await this.checkProof(proof, ctx.method, `${new URL(baseUrl).origin}${path}`);
    const ath = createHash("sha256").update(m[2]!).digest("base64url");
    return typeof checked !== "string" && checked.jkt === token.jkt && checked.claims.ath === ath;
  }
}

function header(ctx: IdpCtx, name: string): string | undefined {
  const v = ctx.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
