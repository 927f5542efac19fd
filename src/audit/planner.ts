/**
 * How the audit decides, per window, between asking about users (POST /v2/calls/extensive with batches
 * of primaryUserIds) and listing every call (GET /v2/calls). Pure functions, so the rules can be tested
 * and tuned without Gong.
 *
 * Costs, in requests, for one window:
 * - bulk: one page per 100 calls, known exactly from the window's totalRecords after one page, or
 *   estimated from another window's total scaled by length;
 * - per-user: at least one request per 100 unresolved users; each request settles either its whole batch
 *   (the batch's calls fit one page) or at least the users whose calls fill that page. How many users a
 *   request settles is measured as the window goes (a prior is used before that).
 */
export const PAGE_SIZE = 100;
/** Users a per-user request settles before anything is measured (a page of 100 calls spans ~50 hosts). */
export const PRIOR_SETTLED_PER_REQUEST = 50;

export type Decision = "per-user" | "bulk" | "probe" | "skip";

export interface WindowPlanInput {
  /** Users still to be checked in this window. */
  unresolved: number;
  batchSize: number;
  /** This window's totalRecords, once a bulk page was read. */
  knownTotal: number | null;
  /** Bulk pages of this window already read that a continued listing would not read again. */
  pagesRead: number;
  /** An estimate of this window's calls from windows already measured; null when none was. */
  estimatedTotal: number | null;
  /** Users a per-user request settled on average in this audit so far; null before any. */
  settledPerRequest: number | null;
}

export function bulkCost(total: number): number {
  return Math.max(1, Math.ceil(total / PAGE_SIZE));
}

export function perUserCost(unresolved: number, batchSize: number, settledPerRequest: number | null): number {
  if (unresolved <= 0) return 0;
  const perRequest = Math.min(batchSize, Math.max(1, settledPerRequest ?? PRIOR_SETTLED_PER_REQUEST));
  return Math.max(Math.ceil(unresolved / batchSize), Math.ceil(unresolved / perRequest));
}

/**
 * Before a window starts: per-user, bulk, or first read one bulk page (the "probe": it is page one of
 * the bulk listing, so it is wasted only if per-user wins, and even then its calls settle users).
 */
export function decideWindow(i: WindowPlanInput): Decision {
  if (i.unresolved === 0) return "skip";
  const perUser = perUserCost(i.unresolved, i.batchSize, i.settledPerRequest);
  if (i.knownTotal !== null) return perUser < bulkCost(i.knownTotal) - i.pagesRead ? "per-user" : "bulk";
  // One per-user request covers everyone left; no bulk listing can cost less than one request.
  if (Math.ceil(i.unresolved / i.batchSize) <= 1) return "per-user";
  // A clear estimate from other windows: no need to pay for a probe.
  if (i.estimatedTotal !== null && perUser * 3 <= bulkCost(i.estimatedTotal)) return "per-user";
  return "probe";
}

/**
 * During a per-user window, after each request: is finishing by bulk now cheaper than going on? Only
 * when the window's total is known; a margin keeps the plan from flapping on a noisy measurement.
 */
export function shouldSwitchToBulk(
  unresolved: number,
  batchSize: number,
  settledPerRequest: number,
  knownTotal: number | null,
  pagesRead: number,
): boolean {
  if (knownTotal === null || unresolved === 0) return false;
  const remainingBulk = bulkCost(knownTotal) - pagesRead;
  return remainingBulk * 1.25 < perUserCost(unresolved, batchSize, settledPerRequest);
}

/**
 * The "any" rule reads Gong's activity statistics (POST /v2/stats/activity/aggregate), which list only
 * users with activity, a page of 100 records per request. Two ways to cover the candidates:
 * - bulk: one listing of every active user with activity: one request per 100 such users, known exactly
 *   from totalRecords after its first page, and never more than one per 100 active users;
 * - per-user: the candidates in batches of 100 ids: each batch's answer fits one page, so exactly one
 *   request per 100 candidates still unchecked.
 * Call-based paths cannot beat these: calls prove activity but never its absence under "any", so every
 * candidate who hosted nothing still needs the statistics, and asking about calls per user already costs
 * one request per 100 candidates before that.
 */
export interface ActivityPlanInput {
  /** Candidates the statistics have not answered for. */
  unchecked: number;
  batchSize: number;
  /** Active users in the directory: the most records a bulk listing can hold. */
  activeUsers: number;
  /** The bulk listing's totalRecords, once its first page was read. */
  knownTotal: number | null;
  /** Bulk pages already read that a continued listing would not read again. */
  pagesRead: number;
}

export function activityPerUserCost(unchecked: number, batchSize: number): number {
  return Math.ceil(unchecked / batchSize);
}

/** Per-user, bulk, or read the bulk listing's first page to learn its size (the probe is never wasted). */
export function decideActivity(i: ActivityPlanInput): Decision {
  if (i.unchecked === 0) return "skip";
  const perUser = activityPerUserCost(i.unchecked, i.batchSize);
  if (i.knownTotal !== null) return perUser < bulkCost(i.knownTotal) - i.pagesRead ? "per-user" : "bulk";
  if (perUser <= 1) return "per-user";
  if (bulkCost(i.activeUsers) <= perUser) return "bulk";
  return "probe";
}
