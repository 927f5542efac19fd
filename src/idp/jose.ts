import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type JsonWebKey,
  KeyObject,
  sign,
  verify,
} from "node:crypto";

/**
 * The little of JOSE that Okta's service apps need, on node:crypto alone: reading the app's private key
 * (PEM or the JWK Okta's console downloads), compact JWS signing and checking (RS256, ES256), a public
 * JWK and its RFC 7638 thumbprint (DPoP). Errors name what was wrong with a key, never any of its text.
 */

export type JwsAlg = "RS256" | "ES256";

export interface SigningKey {
  key: KeyObject;
  alg: JwsAlg;
  /** The key's id: the JWK's own `kid` when the key came as a JWK; null for PEM. */
  kid: string | null;
}

export class KeyFormatError extends Error {}

export const b64url = (data: Buffer | string): string => Buffer.from(data).toString("base64url");

/** base64url(SHA-256(text)): a DPoP proof's `ath`, and the thumbprint's digest. */
export const sha256b64url = (text: string): string => createHash("sha256").update(text).digest("base64url");

/** The private key in OKTA_PRIVATE_KEY: PEM (PKCS#8, PKCS#1 RSA, SEC1 EC) or a private JWK. */
export function signingKeyOf(text: string): SigningKey {
  const trimmed = text.trim();
  let key: KeyObject;
  let kid: string | null = null;
  if (trimmed.startsWith("{")) {
    const jwk = privateJwkOf(trimmed);
    kid = typeof jwk.kid === "string" && jwk.kid !== "" ? jwk.kid : null;
    try {
      key = createPrivateKey({ key: jwk, format: "jwk" });
    } catch {
      throw new KeyFormatError("a JWK that is not a usable RSA or EC private key");
    }
  } else {
    if (/-----BEGIN [A-Z ]*PUBLIC KEY-----|-----BEGIN CERTIFICATE-----/.test(trimmed))
      throw new KeyFormatError("a public key or certificate, not the private key");
    if (trimmed.includes("ENCRYPTED"))
      throw new KeyFormatError("an encrypted key: export it without a passphrase");
    // An env file often holds a PEM on one line with literal \n between its lines.
    const pem = trimmed.includes("\n") ? trimmed : trimmed.replace(/\\n/g, "\n");
    try {
      key = createPrivateKey(pem);
    } catch {
      throw new KeyFormatError("not a readable PEM private key");
    }
  }
  return { key, alg: algOf(key), kid };
}

function privateJwkOf(json: string): JsonWebKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new KeyFormatError("JSON that does not parse");
  }
  // A key set with one key is taken as that key.
  const keys = (parsed as { keys?: unknown }).keys;
  const jwk = (Array.isArray(keys) && keys.length === 1 ? keys[0] : parsed) as JsonWebKey;
  if (typeof jwk !== "object" || jwk === null || Array.isArray(jwk) || typeof jwk.kty !== "string")
    throw new KeyFormatError("JSON that is not a JWK");
  if (typeof jwk.d !== "string")
    throw new KeyFormatError("a public JWK: the private key (with `d`) is needed");
  return jwk;
}

function algOf(key: KeyObject): JwsAlg {
  if (key.asymmetricKeyType === "rsa") return "RS256";
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") return "ES256";
  throw new KeyFormatError("a key of a kind gongops does not sign with: use RSA (RS256) or EC P-256 (ES256)");
}

/** A compact JWS: base64url(header).base64url(claims).base64url(signature). */
export function signJwt(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  key: KeyObject,
  alg: JwsAlg,
): string {
  const input = `${b64url(JSON.stringify({ ...header, alg }))}.${b64url(JSON.stringify(claims))}`;
  // JWS wants ECDSA signatures as r||s (IEEE P1363), not node's default DER.
  const signature = sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" });
  return `${input}.${b64url(signature)}`;
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

/** The header and claims of a compact JWS, unchecked; null when it is not one. */
export function decodeJwt(token: string): DecodedJwt | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, "base64url").toString("utf8"));
    const claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
    if (typeof header !== "object" || header === null || typeof claims !== "object" || claims === null)
      return null;
    return { header, claims };
  } catch {
    return null;
  }
}

/** The token's header and claims when its signature is good for `key` (a public key or public JWK). */
export function verifyJwt(token: string, key: KeyObject | JsonWebKey): DecodedJwt | null {
  const decoded = decodeJwt(token);
  if (!decoded) return null;
  let publicKey: KeyObject;
  try {
    publicKey = key instanceof KeyObject ? key : jwkPublicKey(key);
  } catch {
    return null;
  }
  // The key decides the algorithm, never the token's header (no "none", no RSA key used as an HMAC secret).
  const expected = publicKey.asymmetricKeyType === "rsa" ? "RS256" : "ES256";
  if (decoded.header.alg !== expected) return null;
  const [h, c, s] = token.split(".");
  const ok = verify(
    "sha256",
    Buffer.from(`${h}.${c}`),
    { key: publicKey, dsaEncoding: "ieee-p1363" },
    Buffer.from(s!, "base64url"),
  );
  return ok ? decoded : null;
}

function jwkPublicKey(jwk: JsonWebKey): KeyObject {
  if (jwk.d !== undefined) throw new KeyFormatError("a private JWK where a public one belongs");
  return createPublicKey({ key: jwk, format: "jwk" });
}

/** The public half as a JWK with only the members RFC 7638 hashes (a DPoP proof's `jwk` header). */
export function publicJwk(key: KeyObject): JsonWebKey {
  const jwk = createPublicKey(key).export({ format: "jwk" });
  return jwk.kty === "EC"
    ? { kty: "EC", crv: jwk.crv, x: jwk.x, y: jwk.y }
    : { kty: "RSA", n: jwk.n, e: jwk.e };
}

/** RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace. */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const members =
    jwk.kty === "EC"
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
      : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return sha256b64url(JSON.stringify(members));
}
