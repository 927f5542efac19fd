import type { Command } from "../command.js";
import { deactivateCommand, reactivateCommand, requestsCommand, trailCommand } from "./approvals.js";
import { auditCommand } from "./audit.js";
import { backupCommand } from "./backup.js";
import { chainCommand } from "./chain.js";
import { demoCommand } from "./demo.js";
import { digestCommand } from "./digest.js";
import { doctorCommand } from "./doctor.js";
import { exemptCommand } from "./exempt.js";
import { jobsCommand } from "./jobs.js";
import { orgHealthCommand } from "./orgHealth.js";
import { reportsCommand } from "./reports.js";
import { scheduleCommand } from "./schedule.js";
import { simCommand } from "./sim.js";
import { startCommand } from "./start.js";
import { syncCommand } from "./sync.js";
import { trendCommand } from "./trend.js";
import { userCommand } from "./user.js";

/** Every command, in the order `gongops --help` lists them. */
export const commands: Command[] = [
  demoCommand,
  startCommand,
  auditCommand,
  exemptCommand,
  deactivateCommand,
  requestsCommand,
  reactivateCommand,
  trailCommand,
  syncCommand,
  userCommand,
  chainCommand,
  reportsCommand,
  orgHealthCommand,
  jobsCommand,
  scheduleCommand,
  digestCommand,
  trendCommand,
  backupCommand,
  doctorCommand,
  simCommand,
];
