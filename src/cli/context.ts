import { configSecrets, loadConfig, loadDotEnv, type Requirement } from "../config.js";
import { type AppContext, createContext, type GongContext, requireGong } from "../context.js";
import { createLogger } from "../log.js";
import { redactor } from "../secret.js";
import { DbError, dbProblem } from "../store/db.js";
import type { CliIo } from "./io.js";

/** The context a command gets: with Gong typed as present when it required the credentials. */
export type ContextFor<R extends Requirement> = "gong" extends R ? GongContext : AppContext;

/** Builds the app context for one command from the environment, runs `fn`, and always closes it. */
export async function withContext<T, R extends Requirement = never>(
  io: CliIo,
  requirements: readonly R[],
  fn: (ctx: ContextFor<R>) => Promise<T>,
): Promise<T> {
  if (io.env === process.env) loadDotEnv();
  const config = loadConfig(io.env, requirements);
  const log = createLogger({
    level: config.logLevel,
    redact: redactor(configSecrets(config)),
    sink: (line) => io.stderr(`${line}\n`),
    pretty: io.stderrIsTTY,
  });
  const ctx = createContext({ config, log });
  try {
    return await fn((requirements.includes("gong" as R) ? requireGong(ctx) : ctx) as ContextFor<R>);
  } catch (error) {
    // A database fault mid-command (read-only file, disk full, I/O error) in one plain line naming it.
    const reason = dbProblem(error);
    throw reason ? new DbError(config.dbPath, reason, error) : error;
  } finally {
    await ctx.close();
  }
}
