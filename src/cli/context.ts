import { configSecrets, loadConfig, loadDotEnv, type Requirement } from "../config.js";
import type { AppContext, GongContext } from "../context.js";
import { type CoreContext, createCoreContext } from "../coreContext.js";
import { createLogger } from "../log.js";
import { redactor } from "../secret.js";
import { DbError, dbProblem } from "../store/db.js";
import type { CliIo } from "./io.js";

/** The context a command gets: with Gong typed as present when it required the credentials. */
export type ContextFor<R extends Requirement> = "gong" extends R ? GongContext : AppContext;

/** The core of a command's context, and the whole context it grows into (loaded then) when asked. */
export type CliCore = CoreContext & {
  /** The same object grown into the whole AppContext (Gong's connection and every service), once. */
  full(): Promise<AppContext>;
};

/**
 * Builds the core of the app context (config, database, directory lookups: coreContext.ts) for one
 * command from the environment, runs `fn`, and always closes it, with whatever `fn` grew it into.
 */
export async function withCoreContext<T>(
  io: CliIo,
  requirements: readonly Requirement[],
  fn: (ctx: CliCore) => Promise<T>,
): Promise<T> {
  if (io.env === process.env) loadDotEnv();
  const config = loadConfig(io.env, requirements);
  const log = createLogger({
    level: config.logLevel,
    redact: redactor(configSecrets(config)),
    sink: (line) => io.stderr(`${line}\n`),
    pretty: io.stderrIsTTY,
  });
  const options = { config, log };
  // The services, Gong's client and the IdP adapters load only here, the first time they are needed:
  // by the command (withContext, grownWithGong) or by a lookup the directory cannot answer.
  let growing: Promise<AppContext> | null = null;
  const full = () => {
    growing ??= import("../context.js").then(({ growContext }) => growContext(core, options));
    return growing;
  };
  const core = createCoreContext(options, async () =>
    (await import("../context.js")).gongSideOf(await full()),
  );
  const ctx: CliCore = Object.assign(core, { full });
  try {
    return await fn(ctx);
  } catch (error) {
    // A database fault mid-command (read-only file, disk full, I/O error) in one plain line naming it.
    const reason = dbProblem(error);
    throw reason ? new DbError(config.dbPath, reason, error) : error;
  } finally {
    await ctx.close();
  }
}

/** The whole app context (Gong's connection and every service, loaded now) for one command. */
export async function withContext<T, R extends Requirement = never>(
  io: CliIo,
  requirements: readonly R[],
  fn: (ctx: ContextFor<R>) => Promise<T>,
): Promise<T> {
  return withCoreContext(io, requirements, async (core) =>
    fn((requirements.includes("gong" as R) ? await grownWithGong(core) : await core.full()) as ContextFor<R>),
  );
}

/** A core grown into the whole context, typed with Gong (for commands whose configuration required it). */
export async function grownWithGong(core: CliCore): Promise<GongContext> {
  const { requireGong } = await import("../context.js");
  return requireGong(await core.full());
}
