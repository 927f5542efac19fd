import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigError, configSecrets, loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/log.js";
import { redactor } from "../../src/secret.js";

/** What loadConfig refuses, one problem a line ("" when it reads the environment). */
const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    return (error as ConfigError).problems.join("\n");
  }
  return "";
};

describe("config: GONGOPS_DEACTIVATE_VIA=okta|entra", () => {
  it("names what okta and entra need, without echoing a value", () => {
    const token = "00abcdefOKTATOKENvalue";
    try {
      loadConfig({ GONGOPS_DEACTIVATE_VIA: "okta", OKTA_API_TOKEN: token });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(
        /okta needs OKTA_ORG_URL, OKTA_GONG_APP_ID and either OKTA_API_TOKEN or an OAuth service app \(OKTA_CLIENT_ID with OKTA_PRIVATE_KEY\)/,
      );
      expect((error as Error).message).not.toContain(token);
    }
    expect(() => loadConfig({ GONGOPS_DEACTIVATE_VIA: "entra", ENTRA_TENANT_ID: "t" })).toThrow(
      /entra needs ENTRA_TENANT_ID, ENTRA_CLIENT_ID, ENTRA_CLIENT_SECRET/,
    );
    expect(() => loadConfig({ GONGOPS_DEACTIVATE_VIA: "onelogin" })).toThrow(/scim, okta, entra or manual/);
  });

  it("reads both IdPs and redacts their secrets in logs", () => {
    const c = loadConfig({
      GONGOPS_DEACTIVATE_VIA: "entra",
      OKTA_ORG_URL: "https://acme.okta.com/",
      OKTA_GONG_APP_ID: "0oa1",
      OKTA_API_TOKEN: "00abcdefOKTATOKENvalue",
      ENTRA_TENANT_ID: "tenant",
      ENTRA_CLIENT_ID: "client",
      ENTRA_CLIENT_SECRET: "entra~SECRET~value",
      ENTRA_GONG_SP_ID: "sp",
    });
    expect(c.idp.okta?.orgUrl).toBe("https://acme.okta.com");
    expect(c.idp.entra).toMatchObject({ spId: "sp", graphUrl: "https://graph.microsoft.com/v1.0" });
    expect(c.approvals.verifyMinutes).toBe(90);
    const lines: string[] = [];
    const log = createLogger({ redact: redactor(configSecrets(c)), sink: (l) => lines.push(l) });
    log.info("oops", { header: "SSWS 00abcdefOKTATOKENvalue", secret: "entra~SECRET~value" });
    expect(lines.join("\n")).not.toMatch(/OKTATOKEN|SECRET~value/);
    expect(JSON.stringify(c)).not.toMatch(/OKTATOKEN|SECRET~value/);
  });
});

describe("config: a bearer token never goes over plain HTTP (OKTA_ORG_URL, ENTRA_GRAPH_URL)", () => {
  const okta = {
    GONGOPS_DEACTIVATE_VIA: "okta",
    OKTA_GONG_APP_ID: "0oa1",
    OKTA_API_TOKEN: "00abcdefOKTATOKENvalue",
  };
  const entra = {
    GONGOPS_DEACTIVATE_VIA: "entra",
    ENTRA_TENANT_ID: "tenant",
    ENTRA_CLIENT_ID: "client",
    ENTRA_CLIENT_SECRET: "entra~SECRET~value",
    ENTRA_GONG_SP_ID: "sp",
  };

  it("plain http to another host is refused in plain words; https, and http on loopback (the simulator), are read", () => {
    for (const [name, env] of [
      ["OKTA_ORG_URL", okta],
      ["ENTRA_GRAPH_URL", entra],
    ] as const) {
      for (const url of ["http://acme.okta.com", "http://graph.microsoft.us/v1.0", "http://10.0.0.5:8080"])
        expect(problemsOf({ ...env, [name]: url }), url).toMatch(
          new RegExp(
            `^${name}: expected an https URL \\(plain http only on loopback: credentials never go over plain HTTP\\)$`,
          ),
        );
      for (const url of [
        "https://acme.okta.com",
        "http://127.0.0.1:4010",
        "http://localhost:4010/v1.0",
        "http://[::1]:4010",
      ])
        expect(problemsOf({ ...env, [name]: url }), url).toBe("");
    }
    expect(loadConfig({ ...okta, OKTA_ORG_URL: "http://127.0.0.1:4010/" }).idp.okta?.orgUrl).toBe(
      "http://127.0.0.1:4010",
    );
    expect(
      loadConfig({ ...entra, ENTRA_GRAPH_URL: "https://graph.microsoft.us/v1.0" }).idp.entra?.graphUrl,
    ).toBe("https://graph.microsoft.us/v1.0");
  });
});

describe("config: Okta's OAuth service app (OKTA_CLIENT_ID, OKTA_PRIVATE_KEY) instead of OKTA_API_TOKEN", () => {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  const pkcs8 = rsa.export({ format: "pem", type: "pkcs8" }).toString();
  const okta = {
    GONGOPS_DEACTIVATE_VIA: "okta",
    OKTA_ORG_URL: "https://acme.okta.com",
    OKTA_GONG_APP_ID: "0oa1",
    OKTA_CLIENT_ID: "0oaservice1",
  };
  /** The lines of a PEM's base64 body: any one of them in a message is a leak. */
  const bodyLines = (pem: string) => pem.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----"));

  it("reads the key as PKCS#8, PKCS#1 RSA, SEC1 EC, one-line PEM with \\n, or Okta's JWK (its kid kept)", () => {
    const keys = {
      pkcs8,
      pkcs1: rsa.export({ format: "pem", type: "pkcs1" }).toString(),
      sec1: ec.export({ format: "pem", type: "sec1" }).toString(),
      oneLine: pkcs8.trim().replace(/\n/g, "\\n"),
      jwk: JSON.stringify({ ...rsa.export({ format: "jwk" }), kid: "okta-kid", use: "sig" }),
    };
    for (const [format, key] of Object.entries(keys)) {
      const c = loadConfig({ ...okta, OKTA_PRIVATE_KEY: key });
      expect(c.idp.okta?.credentials, format).toMatchObject({
        kind: "serviceApp",
        clientId: "0oaservice1",
        keyId: null,
      });
    }
    const withKid = loadConfig({ ...okta, OKTA_PRIVATE_KEY: pkcs8, OKTA_PRIVATE_KEY_ID: "kid-2" });
    expect(withKid.idp.okta?.credentials).toMatchObject({ kind: "serviceApp", keyId: "kid-2" });
    expect(
      loadConfig({ ...okta, OKTA_CLIENT_ID: "", OKTA_API_TOKEN: "00tok" }).idp.okta?.credentials.kind,
    ).toBe("apiToken");
  });

  it("both ways at once, half a service app, or a key gongops cannot sign with → problems that echo nothing", () => {
    const both = problemsOf({ ...okta, OKTA_PRIVATE_KEY: pkcs8, OKTA_API_TOKEN: "00abcdefOKTATOKENvalue" });
    expect(both).toMatch(
      /OKTA_API_TOKEN and OKTA_CLIENT_ID\/OKTA_PRIVATE_KEY: set one way to reach Okta, not both/,
    );
    expect(both).not.toMatch(/okta needs/);
    expect(problemsOf({ ...okta })).toMatch(/OKTA_PRIVATE_KEY: expected with OKTA_CLIENT_ID/);
    const { OKTA_CLIENT_ID: _, ...noClient } = okta;
    expect(problemsOf({ ...noClient, OKTA_PRIVATE_KEY: pkcs8 })).toMatch(
      /OKTA_CLIENT_ID: expected with OKTA_PRIVATE_KEY/,
    );
    const cases = {
      "not a readable PEM private key": pkcs8.replace(/\n.{16}/, "\n!!!!!!!!!!!!!!!!"),
      "a public key or certificate": generateKeyPairSync("ec", { namedCurve: "P-256" })
        .publicKey.export({ format: "pem", type: "spki" })
        .toString(),
      "a public JWK": JSON.stringify(rsa.export({ format: "jwk" })).replace(/"d":"[^"]+",/, ""),
      "RSA \\(RS256\\) or EC P-256": generateKeyPairSync("ec", { namedCurve: "P-384" })
        .privateKey.export({ format: "pem", type: "pkcs8" })
        .toString(),
    };
    for (const [why, key] of Object.entries(cases)) {
      const problems = problemsOf({ ...okta, OKTA_PRIVATE_KEY: key });
      expect(problems).toMatch(
        new RegExp(`OKTA_PRIVATE_KEY: expected the service app's private key.*${why}`),
      );
      for (const line of bodyLines(key)) expect(problems).not.toContain(line);
    }
  });

  it("the private key is a Secret: redacted from log lines (JSON-escaped there) and from the config as JSON", () => {
    const c = loadConfig({ ...okta, OKTA_PRIVATE_KEY: pkcs8 });
    const lines: string[] = [];
    const log = createLogger({ redact: redactor(configSecrets(c)), sink: (l) => lines.push(l) });
    log.error("oops", { key: pkcs8.trim() });
    expect(lines.join("\n")).toContain("[redacted]");
    for (const line of bodyLines(pkcs8)) {
      expect(lines.join("\n")).not.toContain(line);
      expect(JSON.stringify(c)).not.toContain(line);
    }
  });
});
