import type { Command } from "../command.js";
import { chainCommand } from "./chain.js";
import { orgHealthCommand } from "./orgHealth.js";
import { reportsCommand } from "./reports.js";
import { simCommand } from "./sim.js";
import { syncCommand } from "./sync.js";
import { userCommand } from "./user.js";

/** Every command, in the order `gongops --help` lists them. */
export const commands: Command[] = [
  syncCommand,
  userCommand,
  chainCommand,
  reportsCommand,
  orgHealthCommand,
  simCommand,
];
