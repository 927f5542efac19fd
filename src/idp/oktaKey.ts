import { createPrivateKey, type JsonWebKey, type KeyObject } from "node:crypto";

/**
 * The Okta service app's private key (OKTA_PRIVATE_KEY) as an admin pastes it: PEM (PKCS#8, PKCS#1 RSA,
 * SEC1 EC) or the private JWK Okta's console downloads. Node's own key parser reads it (synchronously,
 * so the configuration can refuse a bad key at start-up); `jose` signs with the KeyObject. Errors name
 * what is wrong with a key, never any of its text.
 */

export type JwsAlg = "RS256" | "ES256";

export interface SigningKey {
  key: KeyObject;
  alg: JwsAlg;
  /** The key's id: the JWK's own `kid` when the key came as a JWK; null for PEM. */
  kid: string | null;
}

export class KeyFormatError extends Error {}

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
