import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { ConfigError, configSecrets, httpsOrLoopback, loadConfig } from "../src/config.js";
import { createLogger } from "../src/log.js";
import { redactor } from "../src/secret.js";

const SECRETS = {
  GONG_ACCESS_KEY: "AK-live-1234567890",
  GONG_ACCESS_KEY_SECRET: "eyJhbGciOiJIUzI1NiJ9.secret-part",
  GONG_SCIM_TOKEN: "scim-token-abcdef123456",
  SLACK_BOT_TOKEN: "xoxb-test-not-a-real-token",
  SLACK_APP_TOKEN: "xapp-test-not-a-real-token",
  SLACK_SIGNING_SECRET: "signing-secret-0123456789abcdef",
};

describe("loadConfig", () => {
  it("applies the documented defaults", () => {
    const c = loadConfig({});
    expect(c.gong.baseUrl).toBe("https://api.gong.io");
    expect(c.gong.scimBaseUrl).toBe("https://app.gong.io/scim/v2");
    expect([c.gong.maxConcurrent, c.gong.maxRps, c.gong.dailyQuota]).toEqual([3, 3, 10_000]);
    expect(c.dbPath).toBe("./data/gongops.db");
    expect(c.gong.auth).toBeNull();
  });

  it("the terminal's operator and the keep cool-down: set, defaulted, or refused", () => {
    const c = loadConfig({ GONGOPS_OPERATOR: "jane@acme.example", GONGOPS_KEEP_COOLDOWN_DAYS: "30" });
    expect(c.approvals).toMatchObject({ operator: "jane@acme.example", keepCooldownDays: 30 });
    const d = loadConfig({});
    expect(d.approvals.keepCooldownDays).toBe(90);
    expect(d.approvals.operator).toMatch(/^.+@.+$/);
    const bad = () => loadConfig({ GONGOPS_OPERATOR: "two words", GONGOPS_KEEP_COOLDOWN_DAYS: "-1" });
    expect(bad).toThrow(/GONGOPS_OPERATOR: expected who sits at this terminal/);
    expect(bad).toThrow(/GONGOPS_KEEP_COOLDOWN_DAYS: expected a number of 0 or more/);
  });

  it("names every bad variable in one message, and what it expects", () => {
    let error: unknown;
    try {
      loadConfig(
        { GONG_MAX_CONCURRENT: "zero", GONG_API_BASE_URL: "not a url", PORT: "99999", GONG_ACCESS_KEY: "k" },
        ["gong"],
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ["GONG_MAX_CONCURRENT", "GONG_API_BASE_URL", "PORT", "GONG_ACCESS_KEY_SECRET"]) {
      expect(message).toContain(name);
    }
    expect(message).toContain("a whole number of 1 or more");
    expect((error as ConfigError).problems).toHaveLength(4);
  });

  it("never echoes a rejected value (it may be a secret in the wrong place)", () => {
    expect(() => loadConfig({ GONG_MAX_RPS: "xoxb-oops-secret-value" })).toThrow(ConfigError);
    try {
      loadConfig({ GONG_MAX_RPS: "xoxb-oops-secret-value" });
    } catch (e) {
      expect((e as Error).message).not.toContain("xoxb-oops");
    }
  });

  it("requires credentials only for commands that need them", () => {
    expect(() => loadConfig({}, ["gong"])).toThrow(/GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET/);
    expect(() => loadConfig({}, ["slack"])).toThrow(/SLACK_BOT_TOKEN/);
    expect(loadConfig({ GONG_OAUTH_TOKEN: "t0k3n-value" }, ["gong"]).gong.auth?.kind).toBe("bearer");
  });

  it("prints [redacted] for every secret through JSON, inspect, String and the logger", () => {
    const config = loadConfig(SECRETS, ["gong", "scim", "slack"]);
    const lines: string[] = [];
    const log = createLogger({ redact: redactor(configSecrets(config)), sink: (l) => lines.push(l) });
    log.info("config", { config });
    log.info(`inspect ${inspect(config, { depth: 10 })}`);
    const outputs = [
      JSON.stringify(config),
      inspect(config, { depth: 10 }),
      String(config.gong.scimToken),
      `${config.slack.botToken}`,
      ...lines,
    ];
    for (const [name, value] of Object.entries(SECRETS)) {
      for (const out of outputs) expect(out, `${name} leaked`).not.toContain(value);
    }
    expect(JSON.stringify(config)).toContain("[redacted]");
  });

  it("redacts the OAuth token too", () => {
    const token = "oauth-bearer-token-abcdef";
    const config = loadConfig({ GONG_OAUTH_TOKEN: token }, ["gong"]);
    const lines: string[] = [];
    createLogger({ redact: redactor(configSecrets(config)), sink: (l) => lines.push(l) }).info(
      `token ${token}`,
      { config },
    );
    for (const out of [JSON.stringify(config), inspect(config, { depth: 10 }), ...lines])
      expect(out).not.toContain(token);
  });

  it("the log redactor catches a secret that slipped into a message, raw or Basic-encoded", () => {
    const config = loadConfig(SECRETS, ["gong"]);
    const lines: string[] = [];
    const log = createLogger({ redact: redactor(configSecrets(config)), sink: (l) => lines.push(l) });
    const basic = Buffer.from(`${SECRETS.GONG_ACCESS_KEY}:${SECRETS.GONG_ACCESS_KEY_SECRET}`).toString(
      "base64",
    );
    log.warn(`header was Basic ${basic} and key ${SECRETS.GONG_ACCESS_KEY}`);
    expect(lines[0]).not.toContain(basic);
    expect(lines[0]).not.toContain(SECRETS.GONG_ACCESS_KEY);
    expect(lines[0]).toContain("[redacted]");
  });

  it("on a terminal the logger writes readable lines, redacted all the same", () => {
    const config = loadConfig(SECRETS, ["gong"]);
    const lines: string[] = [];
    const log = createLogger({
      redact: redactor(configSecrets(config)),
      sink: (l) => lines.push(l),
      pretty: true,
      component: "sync",
    });
    log.warn(`key ${SECRETS.GONG_ACCESS_KEY}`, { users: 3 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[[\d:.]+\] WARN: key \[redacted\]\n {4}component: "sync"\n {4}users: 3$/);
  });
});

describe("exposure", () => {
  const problems = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env);
      return [];
    } catch (e) {
      return (e as ConfigError).problems;
    }
  };

  it("Gong's REST and SCIM base URLs must be https, except on loopback (the simulator)", () => {
    for (const [name, url] of [
      ["GONG_API_BASE_URL", "http://api.gong.example"],
      ["GONG_SCIM_BASE_URL", "http://app.gong.example/scim/v2"],
      ["GONG_SCIM_BASE_URL", "http://10.0.0.7:8080/scim/v2"],
      ["GONG_API_BASE_URL", "http://127.0.0.1.nip.io"],
    ] as const) {
      const found = problems({ [name]: url });
      expect(found, url).toHaveLength(1);
      expect(found[0]).toMatch(new RegExp(`^${name}: expected an https URL \\(plain http only on loopback`));
    }
    const ok = loadConfig({
      GONG_API_BASE_URL: "http://127.0.0.1:4010",
      GONG_SCIM_BASE_URL: "http://localhost:4010/scim/v2",
    });
    expect([ok.gong.baseUrl, ok.gong.scimBaseUrl]).toEqual([
      "http://127.0.0.1:4010",
      "http://localhost:4010/scim/v2",
    ]);
    expect(loadConfig({ GONG_API_BASE_URL: "https://us-1234.api.gong.io/" }).gong.baseUrl).toBe(
      "https://us-1234.api.gong.io",
    );
  });

  it("httpsOrLoopback: https anywhere, plain http only to this machine", () => {
    const verdicts = [
      "https://api.gong.io",
      "http://127.0.0.1:4010",
      "http://127.1.2.3",
      "http://localhost:3000/x",
      "http://[::1]:9",
      "http://api.gong.io",
      "http://127.0.0.1.evil.example",
      "http://192.168.1.10",
      "ftp://127.0.0.1",
    ].map((u) => [u, httpsOrLoopback(u)]);
    expect(verdicts.filter(([, v]) => v).map(([u]) => u)).toEqual([
      "https://api.gong.io",
      "http://127.0.0.1:4010",
      "http://127.1.2.3",
      "http://localhost:3000/x",
      "http://[::1]:9",
    ]);
  });

  it("GONGOPS_METRICS_ADDR is host:port; the stop grace, Slack's timeout and the job retention have defaults", () => {
    const c = loadConfig({});
    expect(c.slack.metricsAddr).toBeNull();
    expect([c.stopGraceSeconds, c.slack.timeoutMs, c.jobRetentionDays]).toEqual([10, 20_000, 30]);
    expect(loadConfig({ GONGOPS_METRICS_ADDR: "0.0.0.0:9464" }).slack.metricsAddr).toEqual({
      host: "0.0.0.0",
      port: 9464,
    });
    expect(loadConfig({ GONGOPS_METRICS_ADDR: "[::1]:9464" }).slack.metricsAddr).toEqual({
      host: "::1",
      port: 9464,
    });
    for (const bad of ["9464", "localhost", "host:99999", "http://0.0.0.0:9464"])
      expect(problems({ GONGOPS_METRICS_ADDR: bad }), bad).toEqual([
        "GONGOPS_METRICS_ADDR: expected host:port (127.0.0.1:9464, 0.0.0.0:9464, [::1]:9464)",
      ]);
  });
});
