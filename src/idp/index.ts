import type { Dispatcher } from "undici";
import type { Deprovisioner } from "../approvals/deprovision.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import type { RetryPolicy } from "../gong/retry.js";
import type { IdpLeaverSource } from "../leavers/types.js";
import type { Logger } from "../log.js";
import { EntraDeprovisioner } from "./entra.js";
import { msalTokenProvider } from "./msal.js";
import { OktaDeprovisioner } from "./okta.js";

/** Options a test or the demo passes to the IdP adapters (the composition root forwards them). */
export interface IdpOverrides {
  /** MSAL's transport (the simulator's login authority is https by name, loopback in fact). */
  msalNetwork?: import("@azure/msal-node").INetworkModule;
  retry?: Partial<RetryPolicy>;
  /** The back-off's jitter (Math.random by default). */
  random?: () => number;
  dispatcher?: Dispatcher;
}

/**
 * The Okta or Entra ID adapter the configuration asks for; null for scim and manual (built in approvals).
 * Either is also a source of leavers: the accounts it has suspended or disabled.
 * `clock` is the app's one clock (the composition root's): waits, holds and token renewal run on it.
 */
export function createIdpDeprovisioner(
  config: Config,
  log: Logger,
  clock: Clock,
  overrides: IdpOverrides = {},
): (Deprovisioner & IdpLeaverSource & { close(): Promise<void> }) | null {
  const via = config.approvals.deactivateVia;
  const { retry, random, dispatcher } = overrides;
  const common = { log, clock, retry, random, dispatcher };
  if (via === "okta" && config.idp.okta) return new OktaDeprovisioner({ ...config.idp.okta, ...common });
  if (via === "entra" && config.idp.entra) {
    const e = config.idp.entra;
    return new EntraDeprovisioner({
      graphUrl: e.graphUrl,
      spId: e.spId,
      provisionOnDemand: e.provisionOnDemand,
      tokens: msalTokenProvider(e, overrides.msalNetwork),
      ...common,
    });
  }
  return null;
}
