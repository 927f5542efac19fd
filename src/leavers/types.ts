import type { Actor } from "../approvals/types.js";
import type { LeaverRow } from "../store/leavers.repo.js";
import type { LeaverSource, NoticePost, PersonRef } from "../store/schema.js";
import type { IdpAccount, SlackAccount } from "./match.js";
import type { Newcomer } from "./newcomers.js";

/** The ports of leavers/ and what its faces show. */

export interface LeaversSettings {
  /** GONGOPS_LEAVERS_AUTO_REQUEST: file the request at once instead of offering a button. */
  autoRequest: boolean;
  /** GONGOPS_FRESHNESS_MINUTES: how long one users.list pass answers, and how often the app checks. */
  freshnessMinutes: number;
  seatPricePerYear: number | null;
  currency: string;
}

/** Slack's accounts, in one paged users.list pass (the Slack face: slack/approvals.ts). */
export interface SlackWorkspace {
  accounts(): Promise<SlackAccount[]>;
}

/** An IdP's suspended, deprovisioned or disabled users (idp/: Okta, Entra ID), in one paged pass. */
export interface IdpLeaverSource {
  readonly source: Exclude<LeaverSource, "slack">;
  disabledAccounts(): Promise<IdpAccount[]>;
}

/** What the admins are told about one leaver. */
export interface LeaverNotice {
  leaver: LeaverRow;
  /** Their manager in Gong, by name; null when they have none. */
  manager: string | null;
  /** What their seat costs a year (GONGOPS_SEAT_PRICE_PER_YEAR); null without a price. */
  seatCost: { amount: number; currency: string } | null;
  /** "left: Slack account deactivated on 2026-03-02": the request's reason. */
  reason: string;
  /** The request filed for them, once there is one. */
  request: { id: number; approver: string; dryRun: boolean } | null;
  /** Why filing at once (GONGOPS_LEAVERS_AUTO_REQUEST) did not happen. */
  refused: string | null;
  /** Whether a "Request deactivation" button belongs on it (no request yet, none refused). */
  offerButton: boolean;
}

/** How the face tells the admins (slack/leaversNotifier.ts). Called from jobs: may be retried. */
export interface LeaversNotifier {
  /** Posts a leaver's notice (the approvals channel, else each admin by DM); returns where. */
  left(notice: LeaverNotice): Promise<NoticePost[]>;
  /** The notice after a request was filed from it. */
  update(posts: readonly NoticePost[], notice: LeaverNotice): Promise<void>;
  /** The notice after the account came back (and a pending request was withdrawn). */
  back(posts: readonly NoticePost[], who: { name: string; why: string }): Promise<void>;
  /** One DM per admin about a stuck newcomer. */
  newcomer(n: Newcomer, managerName: string | null): Promise<void>;
}

/** A leaver as `gongops leavers --json` lists them (the documented shape). */
export interface LeaverJson {
  id: string;
  email: string;
  name: string;
  evidence: { source: LeaverSource; since?: string };
}

export interface LeaversList {
  leavers: LeaverJson[];
  notInSlack: PersonRef[];
}

/** What the faces show beside the list: when it was checked, from what, and what the seats cost. */
export interface LeaversView extends LeaversList {
  checkedAt: string | null;
  sources: LeaverSource[];
  /** The directory snapshot's sync time. */
  snapshotAt: string | null;
  yearlyCost: { amount: number; currency: string } | null;
  /** By Gong id, for the faces: manager names and the rows behind the list. */
  rows: LeaverRow[];
  managers: Map<string, string>;
}

/**
 * What an audit's summary says of the leavers: who, how many, what they cost and since when. Read on
 * every page of the summary, so without the view's managers and its "not in Slack" list.
 */
export type LeaversBrief = Pick<LeaversView, "checkedAt" | "rows" | "yearlyCost">;

/** Who files a leaver's request when GONGOPS_LEAVERS_AUTO_REQUEST is on (named in the trail). */
export const LEAVERS_ACTOR: Actor = {
  slackUserId: null,
  operator: null,
  label: "gongops (leavers)",
  isAdmin: true,
};
