import type { AuditProgress, Strategy } from "./run.js";
import type { ActivityRule } from "./state.js";

/** What an audit is asked for, and the settings it runs under (shared by the service and prepare.ts). */

export interface AuditRequest {
  days?: number;
  strategy?: Strategy;
  /** What counts as activity; the setting's (GONGOPS_AUDIT_ACTIVITY) when absent. */
  activity?: ActivityRule;
  trigger?: string;
  /**
   * Sync the directory for this run whatever the snapshot's age (a digest, an audit from Slack: what
   * they post must match Gong now, not the snapshot of an earlier lookup).
   */
  fresh?: boolean;
  onProgress?: (p: AuditProgress) => void;
  signal?: AbortSignal;
}

export interface AuditSettings {
  days: number;
  graceDays: number | null;
  exempt: readonly string[];
  exemptManagers: boolean;
  freshnessMinutes: number;
  windowDays: number;
  maxConcurrent: number;
  maxRps: number;
  /** The default rule (GONGOPS_AUDIT_ACTIVITY). */
  activity: ActivityRule;
}
