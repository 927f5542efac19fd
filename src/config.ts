import { existsSync, readFileSync } from "node:fs";
import type * as z from "zod";
import {
  activityRule,
  bool,
  currency,
  deactivateVia,
  httpsUrl,
  httpUrl,
  list,
  listenAddress,
  logLevel,
  nonNegativeInt,
  nonNegativeNumber,
  operatorName,
  osOperator,
  percent,
  port,
  positiveInt,
  positiveNumber,
  secureUrl,
  slackChannel,
  slackUserId,
  text,
} from "./configValues.js";
import { GongopsError } from "./errors.js";
import { KeyFormatError, signingKeyOf } from "./idp/oktaKey.js";
import { Secret } from "./secret.js";

export { httpsOrLoopback } from "./configValues.js";

/**
 * The environment contract (names are public: deployments rely on them, see the README's Settings). Each variable is
 * validated on its own so that one message can name every bad variable and say what was expected.
 */

export type GongAuth =
  | { kind: "basic"; accessKey: Secret; accessKeySecret: Secret }
  | { kind: "bearer"; token: Secret };

/** How gongops signs in to Okta's Management API: an API token, or an OAuth service app with a private key. */
export type OktaCredentials =
  | { kind: "apiToken"; apiToken: Secret }
  | {
      kind: "serviceApp";
      clientId: string;
      /** PEM or JWK text, checked to be a usable RSA or EC P-256 private key when read. */
      privateKey: Secret;
      /** The `kid` of the key registered on the app; null to let a JWK's own kid (or none) stand. */
      keyId: string | null;
    };

export interface Config {
  gong: {
    baseUrl: string;
    auth: GongAuth | null;
    scimBaseUrl: string;
    scimToken: Secret | null;
    maxConcurrent: number;
    maxRps: number;
    /** Safety margin on request spacing, a share of Gong's one-second window (0.05 = 5%). */
    rpsMargin: number;
    dailyQuota: number;
    windowDays: number;
    maxRetries: number;
    retryAfterMaxSeconds: number;
    timeoutMs: number;
  };
  dbPath: string;
  /** How long a sync or audit lease lasts without renewal: how soon a crashed holder is taken over. */
  leaseSeconds: number;
  /** How long `gongops start` may take to stop (SIGTERM) before it exits anyway. */
  stopGraceSeconds: number;
  /** Succeeded and dead jobs are deleted this long after they finished. */
  jobRetentionDays: number;
  slack: {
    botToken: Secret | null;
    appToken: Secret | null;
    signingSecret: Secret | null;
    apiUrl: string | null;
    port: number;
    /** One Web API request's timeout. */
    timeoutMs: number;
    /** Where /ready and /metrics listen, when not on PORT's server (Socket Mode: loopback by default). */
    metricsAddr: { host: string; port: number } | null;
  };
  directory: { freshnessMinutes: number };
  audit: {
    days: number;
    graceDays: number | null;
    exempt: string[];
    exemptManagers: boolean;
    /** What counts as activity: "any" (Gong's activity statistics) or "hosted" (hosted calls only). */
    activity: "any" | "hosted";
  };
  access: {
    adminUserIds: string[];
    adminUsergroupId: string | null;
    lookupsAdminOnly: boolean;
  };
  approvals: {
    /** Where requests nobody else can decide go (any admin decides there); null when unset. */
    channel: string | null;
    deactivateVia: "scim" | "okta" | "entra" | "manual";
    /** After unassigning in the IdP, how long to wait for a sync that shows the user inactive. */
    verifyMinutes: number;
    allowSelfApproval: boolean;
    maxPerDay: number;
    dryRun: boolean;
    remindHours: number;
    expireDays: number;
    /** After a manager's Keep, how long the user cannot be filed again. */
    keepCooldownDays: number;
    /** Ask each seat holder before their approver (approvals/holder.ts). */
    notifySubject: boolean;
    /** How long the holder has to answer before the approver is asked. */
    subjectNoticeDays: number;
    /** Who sits at this terminal, for the trail of every CLI action (GONGOPS_OPERATOR, or user@host). */
    operator: string;
  };
  /** The identity providers (GONGOPS_DEACTIVATE_VIA=okta|entra); null when not configured. */
  idp: {
    okta: { orgUrl: string; appId: string; credentials: OktaCredentials } | null;
    entra: {
      tenantId: string;
      clientId: string;
      clientSecret: Secret | null;
      /** A PEM private key and its certificate's SHA-256 thumbprint, instead of the secret. */
      certificate: { privateKey: Secret; thumbprintSha256: string } | null;
      spId: string;
      graphUrl: string;
      authorityHost: string;
      /** After unassigning, ask Entra to provision the user now instead of in its ~40-minute cycle. */
      provisionOnDemand: boolean;
    } | null;
  };
  /** Leavers (deactivated in Slack or the IdP) and stuck newcomers (src/leavers/). */
  leavers: {
    /** File a leaver's deactivation request at once, instead of offering the admins a button. */
    autoRequest: boolean;
    /** A user set aside as new who shows no activity this long after creation is a stuck newcomer. */
    onboardingDays: number;
  };
  logLevel: "debug" | "info" | "warn" | "error";
  schedules: {
    /** A run later than this after its slot (downtime) is passed over, not run. */
    maxLateHours: number;
  };
  digest: {
    /** What one seat costs a year, for the digest's headline; null when not set. */
    seatPricePerYear: number | null;
    currency: string;
  };
}

/** What a command needs beyond the always-valid defaults. */
export type Requirement = "gong" | "scim" | "slack";

export class ConfigError extends GongopsError {
  constructor(readonly problems: string[]) {
    super(
      "CONFIG_INVALID",
      `gongops is not configured correctly:\n${problems.map((p) => `  - ${p}`).join("\n")}\n` +
        "Set these in the environment or in a .env file (see README, Settings).",
    );
  }
}

type Env = Record<string, string | undefined>;

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  }

  get<T>(name: string, schema: z.ZodType<T>, fallback: T): T;
  get<T>(name: string, schema: z.ZodType<T>): T | undefined;
  get<T>(name: string, schema: z.ZodType<T>, fallback?: T): T | undefined {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const parsed = schema.safeParse(v);
    if (parsed.success) return parsed.data;
    // Never echo the value: it may be a secret pasted into the wrong variable.
    this.problems.push(`${name}: expected ${schema.description ?? "a valid value"}`);
    return fallback;
  }

  secret(name: string): Secret | null {
    const v = this.raw(name);
    return v === undefined ? null : new Secret(v);
  }
}

export function loadConfig(env: Env = process.env, requirements: readonly Requirement[] = []): Config {
  const r = new Reader(env);

  const accessKey = r.secret("GONG_ACCESS_KEY");
  const accessKeySecret = r.secret("GONG_ACCESS_KEY_SECRET");
  const oauthToken = r.secret("GONG_OAUTH_TOKEN");
  let auth: GongAuth | null = null;
  if (oauthToken) auth = { kind: "bearer", token: oauthToken };
  else if (accessKey && accessKeySecret) auth = { kind: "basic", accessKey, accessKeySecret };
  else if (accessKey || accessKeySecret) {
    r.problems.push(
      `${accessKey ? "GONG_ACCESS_KEY_SECRET" : "GONG_ACCESS_KEY"}: expected to be set together with ` +
        `${accessKey ? "GONG_ACCESS_KEY" : "GONG_ACCESS_KEY_SECRET"} (Gong > Company settings > API)`,
    );
  }

  const scimToken = r.secret("GONG_SCIM_TOKEN");
  const config: Config = {
    gong: {
      baseUrl: r.get("GONG_API_BASE_URL", secureUrl, "https://api.gong.io"),
      auth,
      scimBaseUrl: r.get("GONG_SCIM_BASE_URL", secureUrl, "https://app.gong.io/scim/v2"),
      scimToken,
      maxConcurrent: r.get("GONG_MAX_CONCURRENT", positiveInt, 3),
      maxRps: r.get("GONG_MAX_RPS", positiveNumber, 3),
      rpsMargin: r.get("GONG_RPS_MARGIN_PERCENT", percent, 5) / 100,
      dailyQuota: r.get("GONG_DAILY_QUOTA", positiveInt, 10_000),
      windowDays: r.get("GONG_CALLS_WINDOW_DAYS", positiveInt, 90),
      maxRetries: r.get("GONG_MAX_RETRIES", nonNegativeInt, 4),
      retryAfterMaxSeconds: r.get("GONG_RETRY_AFTER_MAX_SECONDS", nonNegativeInt, 120),
      timeoutMs: r.get("GONG_TIMEOUT_MS", positiveInt, 30_000),
    },
    dbPath: r.get("GONGOPS_DB_PATH", text, "./data/gongops.db"),
    leaseSeconds: r.get("GONGOPS_LEASE_SECONDS", positiveInt, 30),
    stopGraceSeconds: r.get("GONGOPS_STOP_GRACE_SECONDS", positiveInt, 10),
    jobRetentionDays: r.get("GONGOPS_JOB_RETENTION_DAYS", positiveInt, 30),
    slack: {
      botToken: r.secret("SLACK_BOT_TOKEN"),
      appToken: r.secret("SLACK_APP_TOKEN"),
      signingSecret: r.secret("SLACK_SIGNING_SECRET"),
      apiUrl: r.get("SLACK_API_URL", httpUrl) ?? null,
      port: r.get("PORT", port, 3000),
      timeoutMs: r.get("SLACK_TIMEOUT_MS", positiveInt, 20_000),
      metricsAddr: r.get("GONGOPS_METRICS_ADDR", listenAddress) ?? null,
    },
    directory: { freshnessMinutes: r.get("GONGOPS_FRESHNESS_MINUTES", positiveInt, 60) },
    audit: {
      days: r.get("GONGOPS_AUDIT_DAYS", positiveInt, 90),
      graceDays: r.get("GONGOPS_AUDIT_GRACE_DAYS", nonNegativeInt) ?? null,
      exempt: r.get("GONGOPS_AUDIT_EXEMPT", list, []),
      exemptManagers: r.get("GONGOPS_AUDIT_EXEMPT_MANAGERS", bool, false),
      activity: r.get("GONGOPS_AUDIT_ACTIVITY", activityRule, "any"),
    },
    access: {
      adminUserIds: r.get("GONGOPS_ADMIN_USER_IDS", slackUserId, []),
      adminUsergroupId: r.get("GONGOPS_ADMIN_USERGROUP_ID", text) ?? null,
      lookupsAdminOnly: r.get("GONGOPS_LOOKUPS_ADMIN_ONLY", bool, false),
    },
    approvals: {
      channel: r.get("GONGOPS_APPROVALS_CHANNEL", slackChannel) ?? null,
      // With a SCIM token gongops can deactivate itself; without one, someone removes the user in the IdP.
      deactivateVia: r.get("GONGOPS_DEACTIVATE_VIA", deactivateVia, scimToken ? "scim" : "manual"),
      verifyMinutes: r.get("GONGOPS_IDP_VERIFY_MINUTES", positiveNumber, 90),
      allowSelfApproval: r.get("GONGOPS_ALLOW_SELF_APPROVAL", bool, false),
      maxPerDay: r.get("GONGOPS_MAX_DEACTIVATIONS_PER_DAY", nonNegativeInt, 25),
      dryRun: r.get("GONGOPS_DRY_RUN", bool, false),
      remindHours: r.get("GONGOPS_APPROVAL_REMIND_HOURS", positiveNumber, 48),
      expireDays: r.get("GONGOPS_APPROVAL_EXPIRE_DAYS", positiveNumber, 7),
      keepCooldownDays: r.get("GONGOPS_KEEP_COOLDOWN_DAYS", nonNegativeNumber, 90),
      notifySubject: r.get("GONGOPS_NOTIFY_SUBJECT", bool, false),
      subjectNoticeDays: r.get("GONGOPS_SUBJECT_NOTICE_DAYS", positiveNumber, 3),
      operator: r.get("GONGOPS_OPERATOR", operatorName) ?? osOperator(),
    },
    idp: readIdp(r),
    leavers: {
      autoRequest: r.get("GONGOPS_LEAVERS_AUTO_REQUEST", bool, false),
      onboardingDays: r.get("GONGOPS_ONBOARDING_DAYS", positiveInt, 14),
    },
    logLevel: r.get("GONGOPS_LOG_LEVEL", logLevel, "info"),
    schedules: { maxLateHours: r.get("GONGOPS_SCHEDULE_MAX_LATE_HOURS", positiveNumber, 12) },
    digest: {
      seatPricePerYear: r.get("GONGOPS_SEAT_PRICE_PER_YEAR", positiveNumber) ?? null,
      currency: r.get("GONGOPS_CURRENCY", currency, "USD"),
    },
  };

  if (
    requirements.includes("gong") &&
    !config.gong.auth &&
    !r.problems.some((p) => p.startsWith("GONG_ACC"))
  ) {
    r.problems.push(
      "GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET (or GONG_OAUTH_TOKEN): expected Gong API credentials " +
        "(or run `gongops demo` to try gongops on the built-in simulator)",
    );
  }
  if (config.approvals.deactivateVia === "scim" && !config.gong.scimToken) {
    r.problems.push("GONGOPS_DEACTIVATE_VIA: scim needs GONG_SCIM_TOKEN (or set it to manual)");
  }
  const via = config.approvals.deactivateVia;
  // A bad or doubled Okta credential has its own problem above; this one is for what is missing.
  if (via === "okta" && !config.idp.okta && !r.problems.some((p) => p.startsWith("OKTA_")))
    r.problems.push(
      "GONGOPS_DEACTIVATE_VIA: okta needs OKTA_ORG_URL, OKTA_GONG_APP_ID and either OKTA_API_TOKEN or an OAuth " +
        "service app (OKTA_CLIENT_ID with OKTA_PRIVATE_KEY)",
    );
  if (via === "entra" && !config.idp.entra)
    r.problems.push(
      "GONGOPS_DEACTIVATE_VIA: entra needs ENTRA_TENANT_ID, ENTRA_CLIENT_ID, ENTRA_CLIENT_SECRET (or ENTRA_CLIENT_CERTIFICATE_PATH with ENTRA_CLIENT_CERTIFICATE_THUMBPRINT) and ENTRA_GONG_SP_ID",
    );
  if (requirements.includes("scim") && !config.gong.scimToken) {
    r.problems.push("GONG_SCIM_TOKEN: expected the bearer token of Gong's SCIM provisioning source");
  }
  if (requirements.includes("slack")) {
    if (!config.slack.botToken) r.problems.push("SLACK_BOT_TOKEN: expected the bot token (xoxb-…)");
    if (!config.slack.appToken && !config.slack.signingSecret) {
      r.problems.push(
        "SLACK_APP_TOKEN or SLACK_SIGNING_SECRET: expected an app-level token (xapp-…, Socket Mode) " +
          "or the signing secret (HTTP mode)",
      );
    }
  }
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

/** Okta and Entra ID settings: each is complete or null (the check above names what is missing). */
function readIdp(r: Reader): Config["idp"] {
  const orgUrl = r.get("OKTA_ORG_URL", secureUrl);
  const appId = r.get("OKTA_GONG_APP_ID", text);
  const credentials = readOktaCredentials(r);
  const okta = orgUrl && appId && credentials ? { orgUrl, appId, credentials } : null;
  const tenantId = r.get("ENTRA_TENANT_ID", text);
  const clientId = r.get("ENTRA_CLIENT_ID", text);
  const clientSecret = r.secret("ENTRA_CLIENT_SECRET");
  const certPath = r.get("ENTRA_CLIENT_CERTIFICATE_PATH", text);
  const thumbprint = r.get("ENTRA_CLIENT_CERTIFICATE_THUMBPRINT", text);
  let certificate: { privateKey: Secret; thumbprintSha256: string } | null = null;
  if (certPath && thumbprint) {
    try {
      certificate = { privateKey: new Secret(readFileSync(certPath, "utf8")), thumbprintSha256: thumbprint };
    } catch {
      r.problems.push("ENTRA_CLIENT_CERTIFICATE_PATH: expected a readable PEM file with the private key");
    }
  }
  const spId = r.get("ENTRA_GONG_SP_ID", text);
  const entra =
    tenantId && clientId && spId && (clientSecret || certificate)
      ? {
          tenantId,
          clientId,
          clientSecret,
          certificate,
          spId,
          graphUrl: r.get("ENTRA_GRAPH_URL", secureUrl, "https://graph.microsoft.com/v1.0"),
          authorityHost: r.get("ENTRA_AUTHORITY_HOST", httpsUrl, "https://login.microsoftonline.com"),
          provisionOnDemand: r.get("ENTRA_PROVISION_ON_DEMAND", bool, false),
        }
      : null;
  return { okta, entra };
}

/**
 * OKTA_API_TOKEN, or OKTA_CLIENT_ID with OKTA_PRIVATE_KEY (and OKTA_PRIVATE_KEY_ID). Both at once is a
 * problem, not a silent choice: a leftover API token would keep an admin's broad rights alive unnoticed.
 */
function readOktaCredentials(r: Reader): OktaCredentials | null {
  const apiToken = r.secret("OKTA_API_TOKEN");
  const clientId = r.get("OKTA_CLIENT_ID", text);
  const privateKey = r.secret("OKTA_PRIVATE_KEY");
  const keyId = r.get("OKTA_PRIVATE_KEY_ID", text) ?? null;
  if (privateKey) {
    try {
      signingKeyOf(privateKey.reveal());
    } catch (error) {
      // The reason names the key's kind or format, never its text.
      const why = error instanceof KeyFormatError ? ` (this one is ${error.message})` : "";
      r.problems.push(
        `OKTA_PRIVATE_KEY: expected the service app's private key, PEM (PKCS#8, or PKCS#1 RSA, or EC P-256) or the JWK Okta's console downloads${why}`,
      );
      return null;
    }
  }
  if (apiToken && (clientId || privateKey)) {
    r.problems.push(
      "OKTA_API_TOKEN and OKTA_CLIENT_ID/OKTA_PRIVATE_KEY: set one way to reach Okta, not both; keep the OAuth " +
        "service app (least privilege) and remove OKTA_API_TOKEN, or the other way round",
    );
    return null;
  }
  if (apiToken) return { kind: "apiToken", apiToken };
  if (clientId && privateKey) return { kind: "serviceApp", clientId, privateKey, keyId };
  if (clientId || privateKey)
    r.problems.push(
      clientId
        ? "OKTA_PRIVATE_KEY: expected with OKTA_CLIENT_ID (the private key whose public key is registered on the service app)"
        : "OKTA_CLIENT_ID: expected with OKTA_PRIVATE_KEY (the service app's client id, 0oa…)",
    );
  return null;
}

/** Reads `.env` into process.env when present (variables already set win). */
export function loadDotEnv(path = ".env"): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

/** Every secret the config holds, for log redaction; includes the Basic auth pair as it is encoded. */
export function configSecrets(config: Config): Secret[] {
  const out: Secret[] = [];
  const a = config.gong.auth;
  if (a?.kind === "basic") {
    out.push(
      a.accessKey,
      a.accessKeySecret,
      new Secret(`${a.accessKey.reveal()}:${a.accessKeySecret.reveal()}`),
    );
  } else if (a?.kind === "bearer") out.push(a.token);
  const okta = config.idp.okta?.credentials;
  for (const s of [
    config.gong.scimToken,
    config.slack.botToken,
    config.slack.appToken,
    config.slack.signingSecret,
    okta?.kind === "apiToken" ? okta.apiToken : null,
    okta?.kind === "serviceApp" ? okta.privateKey : null,
    config.idp.entra?.clientSecret,
    config.idp.entra?.certificate?.privateKey,
  ]) {
    if (s) out.push(s);
  }
  return out;
}
