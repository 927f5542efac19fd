import { type Command, parseCommandArgs } from "./cli/command.js";
import { commands } from "./cli/commands/index.js";
import { type CliIo, printJson, processIo } from "./cli/io.js";
import { asCodedError, UsageError } from "./errors.js";

/**
 * `gongops <command>`: the terminal face. Exit codes: 0 done, 1 failed, 2 bad usage or configuration.
 * With --json, stdout holds exactly one JSON document (the result, or `{ "error": ... }`).
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
    return 2;
  }
  try {
    const args = parseCommandArgs(command, rest);
    if (args.values.help) {
      io.stdout(`${command.usage}\n`);
      return 0;
    }
    return await (await command.load()).run(args, io);
  } catch (error) {
    return reportFailure(command, error, io, wantsJson);
  }
}

function reportFailure(command: Command, error: unknown, io: CliIo, wantsJson: boolean): number {
  const coded = asCodedError(error);
  // Bad usage or configuration (a setting Slack or the config check refused, a database that a newer
  // gongops migrated) is exit 2.
  const usage = ["USAGE", "CONFIG_INVALID", "DB_NEWER_VERSION"].includes(coded.code);
  if (wantsJson) printJson(io, { error: { code: coded.code, message: coded.message } });
  if (error instanceof UsageError)
    io.stderr(`gongops ${command.name}: ${coded.message}\n\nUsage: ${command.usage}\n`);
  else if (coded.code === "INTERNAL") {
    io.stderr(`gongops ${command.name}: unexpected failure: ${coded.message}\n`);
    if (io.env.GONGOPS_DEBUG && error instanceof Error) io.stderr(`${error.stack}\n`);
  } else io.stderr(`gongops ${command.name}: ${coded.message}\n`);
  return usage ? 2 : 1;
}
