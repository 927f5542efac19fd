import { randomUUID } from "node:crypto";
import { generateKeyPair, generateProof, type KeyPair } from "dpop";
import { SignJWT } from "jose";
import { type Dispatcher, request } from "undici";
import { z } from "zod";
import type { IdpObserver } from "../approvals/deprovision.js";
import { type Clock, systemClock } from "../clock.js";
import type { OktaCredentials } from "../config.js";
import type { Logger } from "../log.js";
import type { Secret } from "../secret.js";
import { IdpError } from "./http.js";
import { type SigningKey, signingKeyOf } from "./oktaKey.js";

/**
 * Okta's auth headers for the Management API, for either way in (OKTA_API_TOKEN, or OKTA_CLIENT_ID with
 * OKTA_PRIVATE_KEY):
 *
 * - An API token: `Authorization: SSWS …`, with every right of the admin who made it.
 * - An OAuth service app (the least-privilege way): client credentials with private_key_jwt (RFC 7523) at
 *   the org authorization server, POST {org}/oauth2/v1/token, asking for exactly OKTA_API_SCOPES. The
 *   token is kept until 60 s before it expires; concurrent callers share one token request; a 401 from
 *   the API drops it, and the request is tried once more with a fresh one.
 *
 * DPoP (RFC 9449): a service app may require it (a checkbox, on by default for new apps). The first token
 * request goes without a proof. Okta answers an app that requires one with 400 invalid_dpop_proof ("The
 * DPoP proof JWT header is missing."); from then on this process sends proofs made with an ES256 key of
 * its own (never stored: a restart makes a new one and fetches a new token, which binds to it), and
 * Okta's 400 use_dpop_nonce hands over the nonce they carry (kept for later token requests).
 * Why not always send a proof: how Okta treats one from an app that does not require DPoP is not
 * documented, and the switch costs one request per process. A DPoP token goes out as `Authorization:
 * DPoP …` with a proof bound to it (`ath`) on every API call; a Bearer token goes out alone.
 *
 * The JOSE is the maintained libraries': `jose` signs the client assertion, `dpop` makes the proofs (and
 * their `ath`); this file only decides what goes in them. A JWT's `iat` is the system's time (the one
 * reading of it the house allows): the vendor checks it against its own clock, not ours.
 *
 * Nothing here logs or throws the private key, the client assertion, a proof or a token.
 */

export const OKTA_API_SCOPES = ["okta.users.read", "okta.apps.read", "okta.apps.manage"] as const;
export const OKTA_TOKEN_ENDPOINT = "POST /oauth2/v1/token";

/** Okta allows a client assertion an hour at most; a short one is worth less to anyone who sees it. */
const ASSERTION_SECONDS = 300;
/** Renew this long before the token expires, so no request goes out with one about to lapse. */
const RENEW_BEFORE_MS = 60_000;

export interface OktaAuth {
  readonly mode: OktaCredentials["kind"];
  /**
   * The auth headers for one API request: the Authorization header, and a DPoP proof when bound. A
   * token request it needs is reported to `observe` like an API call (the trail), never with a header
   * or a body.
   */
  headers(req: { method: string; url: URL; observe?: IdpObserver | null }): Promise<Record<string, string>>;
  /** The API answered 401: whether the request is worth one more try (a cached token was dropped). */
  unauthorized(): boolean;
}

export interface OktaAuthOptions {
  orgUrl: string;
  log: Logger;
  /** When a token is due for renewal; the system's clock by default. */
  clock?: Clock;
  dispatcher?: Dispatcher;
  timeoutMs?: number;
}

/** The token endpoint refused the service app: a setting to fix, said in plain words (no retry helps). */
export class OktaTokenError extends IdpError {}

export function oktaAuth(credentials: OktaCredentials, options: OktaAuthOptions): OktaAuth {
  return credentials.kind === "apiToken"
    ? new ApiTokenAuth(credentials.apiToken)
    : new ServiceAppAuth(credentials, options);
}

class ApiTokenAuth implements OktaAuth {
  readonly mode = "apiToken" as const;
  constructor(private readonly apiToken: Secret) {}

  async headers(): Promise<Record<string, string>> {
    return { authorization: `SSWS ${this.apiToken.reveal()}` };
  }

  /** A refused API token stays refused: nothing to renew. */
  unauthorized(): boolean {
    return false;
  }
}

interface AccessToken {
  value: string;
  /** The key the token is bound to (token_type DPoP); null for a Bearer token. */
  dpop: KeyPair | null;
  renewAt: number;
}

const tokenSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  // RFC 6749 makes it optional; Okta always sends it, an hour for its org authorization server.
  expires_in: z.number().default(3600),
});
const tokenErrorSchema = z.object({ error: z.string(), error_description: z.string().optional() });

class ServiceAppAuth implements OktaAuth {
  readonly mode = "serviceApp" as const;
  private readonly key: SigningKey;
  private readonly kid: string | null;
  private readonly tokenUrl: URL;
  private readonly clock: Clock;
  private token: AccessToken | null = null;
  private pending: Promise<AccessToken> | null = null;
  /** Made when Okta first asks for DPoP; from then on every token request carries a proof. */
  private dpop: KeyPair | null = null;
  private nonce: string | null = null;

  constructor(
    private readonly app: { clientId: string; privateKey: Secret; keyId: string | null },
    private readonly options: OktaAuthOptions,
  ) {
    this.key = signingKeyOf(app.privateKey.reveal());
    this.kid = app.keyId ?? this.key.kid;
    this.tokenUrl = new URL(`${options.orgUrl.replace(/\/+$/, "")}/oauth2/v1/token`);
    this.clock = options.clock ?? systemClock;
  }

  async headers(req: {
    method: string;
    url: URL;
    observe?: IdpObserver | null;
  }): Promise<Record<string, string>> {
    const token = await this.current(req.observe ?? null);
    if (!token.dpop) return { authorization: `Bearer ${token.value}` };
    return {
      authorization: `DPoP ${token.value}`,
      dpop: await generateProof(token.dpop, htuOf(req.url), req.method, undefined, token.value),
    };
  }

  unauthorized(): boolean {
    this.token = null;
    return true;
  }

  /** The cached token, or one fetch shared by every concurrent caller (reported to the first's observer). */
  private current(observe: IdpObserver | null): Promise<AccessToken> {
    const token = this.token;
    if (token && this.clock.now() < token.renewAt) return Promise.resolve(token);
    this.pending ??= this.fetchToken(observe).finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private async fetchToken(observe: IdpObserver | null): Promise<AccessToken> {
    let nonceTried = false;
    for (;;) {
      const dpop = this.dpop;
      const res = await this.post(dpop, observe);
      if (res.status >= 200 && res.status < 300) {
        this.token = this.accessTokenOf(res.body, dpop);
        return this.token;
      }
      const refusal = tokenErrorSchema.safeParse(res.body);
      const code = refusal.success ? refusal.data.error : undefined;
      if (res.status === 400 && code === "invalid_dpop_proof" && !dpop) {
        this.dpop = await generateKeyPair("ES256");
        this.options.log.info("Okta requires DPoP for the service app: sending proofs from now on");
        continue;
      }
      const nonce = res.headers["dpop-nonce"];
      if (
        res.status === 400 &&
        code === "use_dpop_nonce" &&
        dpop &&
        typeof nonce === "string" &&
        !nonceTried
      ) {
        this.nonce = nonce;
        nonceTried = true;
        continue;
      }
      // Thrown plainly, the HTTP layer retries it like a lost connection.
      if (res.status === 429 || res.status >= 500)
        throw new Error(`Okta's token endpoint answered ${res.status}`);
      throw new OktaTokenError(
        {
          vendor: "Okta",
          method: "POST",
          endpoint: OKTA_TOKEN_ENDPOINT,
          status: res.status,
          vendorCode: code,
        },
        tokenRefusal(
          res.status,
          code,
          refusal.success ? refusal.data.error_description : undefined,
          this.kid,
        ),
      );
    }
  }

  private accessTokenOf(body: unknown, dpop: KeyPair | null): AccessToken {
    const parsed = tokenSchema.safeParse(body);
    if (!parsed.success) throw new Error("Okta's token endpoint answered without an access token");
    const bound = parsed.data.token_type.toLowerCase() === "dpop";
    if (bound && !dpop) throw new Error("Okta issued a DPoP token to a request without a proof");
    this.options.log.debug("fetched an Okta access token", {
      tokenType: bound ? "DPoP" : "Bearer",
      expiresInSeconds: parsed.data.expires_in,
    });
    const lifetime = Math.max(0, parsed.data.expires_in * 1000 - RENEW_BEFORE_MS);
    return {
      value: parsed.data.access_token,
      dpop: bound ? dpop : null,
      renewAt: this.clock.now() + lifetime,
    };
  }

  private async post(
    dpop: KeyPair | null,
    observe: IdpObserver | null,
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: unknown }> {
    const headers: Record<string, string> = {
      accept: "application/json",
      "content-type": "application/x-www-form-urlencoded",
      "user-agent": "gongops",
    };
    if (dpop) headers.dpop = await generateProof(dpop, htuOf(this.tokenUrl), "POST", this.nonce ?? undefined);
    const body = new URLSearchParams({
      grant_type: "client_credentials",
      scope: OKTA_API_SCOPES.join(" "),
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: await this.assertion(),
    }).toString();
    const timeout = this.options.timeoutMs ?? 30_000;
    const res = await request(this.tokenUrl, {
      method: "POST",
      headers,
      body,
      dispatcher: this.options.dispatcher,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    const text = await res.body.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    observe?.({ method: "POST", endpoint: OKTA_TOKEN_ENDPOINT, status: res.statusCode });
    return { status: res.statusCode, headers: res.headers, body: parsed };
  }

  /**
   * RFC 7523 §3: the app's own signed statement, one per request (Okta refuses a `jti` seen before),
   * valid for ASSERTION_SECONDS from its `iat`.
   */
  private assertion(): Promise<string> {
    return new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: this.key.alg, typ: "JWT", ...(this.kid ? { kid: this.kid } : {}) })
      .setIssuer(this.app.clientId)
      .setSubject(this.app.clientId)
      .setAudience(this.tokenUrl.href)
      .setIssuedAt()
      .setExpirationTime(`${ASSERTION_SECONDS}s`)
      .sign(this.key.key);
  }
}

/**
 * A proof's `htu`: the request URL without its query and fragment (RFC 9449 §4.2). Okta compares it
 * with the decoded path, so the adapter never sends a path that needs escaping (http.ts, pathSegment).
 */
export function htuOf(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** What the admin reads when the token endpoint says no, by its OAuth error code. */
export function tokenRefusal(
  status: number,
  code: string | undefined,
  description: string | undefined,
  kid: string | null,
): string {
  // Okta's own words help (which claim, which scope); anything token-like in them (a JWT, a long opaque
  // run) is cut out.
  const cut = (word: string) => (word.length >= 32 ? "…" : word);
  const said = description
    ? ` Okta said: "${description.replace(/[\w~+/=-]+(?:\.[\w~+/=-]+)*/g, cut).slice(0, 200)}"`
    : "";
  switch (code) {
    case "invalid_client":
      return (
        "Okta did not accept the service app's sign-in (invalid_client): check that OKTA_CLIENT_ID is the app's " +
        'client id, that its Client authentication is "Public key / Private key", and that the public key of ' +
        `OKTA_PRIVATE_KEY is registered on it${kid ? ` with key id ${kid}` : ""}.${said}`
      );
    case "invalid_scope":
      return (
        "Okta did not grant the service app the scopes gongops asks for (invalid_scope): in the Okta Admin " +
        `Console > Applications > the service app > Okta API Scopes, grant ${OKTA_API_SCOPES.join(", ")}.${said}`
      );
    case "unauthorized_client":
      return (
        "Okta does not let the service app use client credentials (unauthorized_client): it must be an API " +
        `Services app with the Client Credentials grant.${said}`
      );
    case "invalid_dpop_proof":
      return `Okta refused gongops' DPoP proof (invalid_dpop_proof): check this host's clock.${said}`;
    default:
      return `Okta's token endpoint refused the service app (HTTP ${status}${code ? ` ${code}` : ""}).${said}`;
  }
}
