import { generateKeyPairSync, type JsonWebKey, type KeyObject, randomUUID } from "node:crypto";
import { publicJwk, sha256b64url, signJwt } from "./jose.js";

/**
 * A DPoP key (RFC 9449): an ES256 pair made for this process when Okta first asks for proofs. It is never
 * stored: a restart makes a new one and fetches a new token, which binds to it.
 */
export class DpopKey {
  readonly jwk: JsonWebKey;

  private constructor(private readonly privateKey: KeyObject) {
    this.jwk = publicJwk(privateKey);
  }

  static generate(): DpopKey {
    return new DpopKey(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey);
  }

  /**
   * A proof for one request (§4.2): `htm` and `htu` name it, `iat` and a fresh `jti` keep it from being
   * replayed, `nonce` is the server's when it asked for one, `ath` ties it to the access token it carries.
   */
  proof(req: { method: string; url: URL; now: number; nonce?: string | null; accessToken?: string }): string {
    const claims: Record<string, unknown> = {
      htm: req.method,
      htu: htuOf(req.url),
      iat: Math.floor(req.now / 1000),
      jti: randomUUID(),
    };
    if (req.nonce) claims.nonce = req.nonce;
    if (req.accessToken !== undefined) claims.ath = sha256b64url(req.accessToken);
    return signJwt({ typ: "dpop+jwt", jwk: this.jwk }, claims, this.privateKey, "ES256");
  }
}

/** A proof's `htu`: the request URL without its query and fragment (§4.2). */
export function htuOf(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
