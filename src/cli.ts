import { type Command, type ParsedArgs, parseCommandArgs } from "./cli/command.js";
import { commands } from "./cli/commands/index.js";
import { type CliIo, printJson, processIo } from "./cli/io.js";
import { asCodedError, type ErrorCode, UsageError } from "./errors.js";

/**
 * `gongops <command>`: the terminal face. Exit codes: 0 done, 1 failed, 2 bad usage or configuration,
 * 3 an audit paused. Every command takes --json: stdout then holds exactly one JSON document, the
 * result, or on failure one with `error: { code, message }`.
 */

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `gongops: Gong user administration from Slack and the terminal.

Usage: gongops <command> [options]      gongops <command> --help

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

Try it with no credentials: gongops demo
`;
}

export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const about = name === "help" && rest[0] ? commands.find((c) => c.name === rest[0]) : undefined;
    io.stdout(about ? `${about.usage}\n` : overview());
    return 0;
  }
  if (name === "--version" || name === "-v") {
    io.stdout("gongops 0.1.0\n");
    return 0;
  }
  const wantsJson = rest.includes("--json");
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const message = `unknown command "${name}"; gongops --help lists them`;
    if (wantsJson) printJson(io, { error: { code: "USAGE", message } });
    io.stderr(`gongops: unknown command "${name}"\n\n${overview()}`);
    return EXIT.usage;
  }
  let args: ParsedArgs;
  try {
    args = parseCommandArgs(command, rest);
  } catch (error) {
    // The arguments themselves are wrong: the usage says what they can be.
    return reportFailure(command, error, io, wantsJson, true);
  }
  if (args.values.help) {
    io.stdout(`${command.usage}\n`);
    return 0;
  }
  // With --json, a failure after the command printed its document adds no second one.
  let printed = false;
  const watched: CliIo = {
    ...io,
    stdout: (text) => {
      printed = true;
      io.stdout(text);
    },
  };
  try {
    return await (await command.load()).run(args, watched);
  } catch (error) {
    // Bad usage shows the usage; a refusal (RefusedError) or anything else, its reason alone.
    return reportFailure(command, error, io, wantsJson && !printed, error instanceof UsageError);
  }
}

/**
 * The exit codes, the same for every command (README: "One contract for every command"): 2 only for
 * bad usage or bad configuration; anything else that failed (not found, refused, Gong or the database
 * failing) is 1; an audit that paused, 3 (commands/audit.ts). The README's table says the same, and
 * test/faults/cli.contract.process.test.ts holds both to it.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, paused: 3 } as const;
const USAGE_CODES: readonly ErrorCode[] = ["USAGE", "CONFIG_INVALID", "DB_NEWER_VERSION"];

export function exitCodeOf(code: ErrorCode): number {
  if (code === "PAUSED") return EXIT.paused;
  return USAGE_CODES.includes(code) ? EXIT.usage : EXIT.failed;
}

function reportFailure(
  command: Command,
  error: unknown,
  io: CliIo,
  wantsJson: boolean,
  showUsage: boolean,
): number {
  const coded = asCodedError(error);
  if (wantsJson) printJson(io, { error: { code: coded.code, message: coded.message } });
  if (showUsage) io.stderr(`gongops ${command.name}: ${coded.message}\n\nUsage: ${command.usage}\n`);
  else if (coded.code === "INTERNAL") {
    io.stderr(`gongops ${command.name}: unexpected failure: ${coded.message}\n`);
    if (io.env.GONGOPS_DEBUG && error instanceof Error) io.stderr(`${error.stack}\n`);
  } else io.stderr(`gongops ${command.name}: ${coded.message}\n`);
  return exitCodeOf(coded.code);
}
