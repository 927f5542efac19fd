import { describe, expect, it } from "vitest";
import { ConfigError, configSecrets, loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/log.js";
import { redactor } from "../../src/secret.js";

describe("config: GONGOPS_DEACTIVATE_VIA=okta|entra", () => {
  it("names what okta and entra need, without echoing a value", () => {
    const token = "00abcdefOKTATOKENvalue";
    try {
      loadConfig({ GONGOPS_DEACTIVATE_VIA: "okta", OKTA_API_TOKEN: token });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(
        /okta needs OKTA_ORG_URL, OKTA_GONG_APP_ID and OKTA_API_TOKEN/,
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
