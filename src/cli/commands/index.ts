import type { Command } from "../command.js";
import { simCommand } from "./sim.js";

/** Every command, in the order `gongops --help` lists them. */
export const commands: Command[] = [simCommand];
