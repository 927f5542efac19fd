import { parseArgs } from "node:util";
import { UsageError } from "../errors.js";
import type { CliIo } from "./io.js";

/**
 * A CLI command: its name, one line for `gongops --help`, its usage text, the options it takes, and how to
 * load what it does. Options are parsed strictly: an unknown flag or a missing value is a UsageError, shown
 * with the command's usage, and nothing runs (nor loads).
 */
export type OptionSpec = { type: "string" | "boolean"; short?: string; multiple?: boolean };

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  /** Most positional arguments the command takes (unlimited when absent: a name may have spaces). */
  maxPositionals?: number;
  /** Options that make no sense together: any two of one group are refused. */
  conflicts?: readonly (readonly string[])[];
  /** Imports the command's module (and with it everything the command needs) once it is going to run. */
  load(): Promise<CommandCode>;
}

/** What a command does: in a module of its own, loaded only when the command runs. */
export interface CommandCode {
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}

export function parseCommandArgs(command: Command, argv: string[]): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      // Every command takes --json (one JSON document on stdout, success or failure: cli.ts).
      options: { ...command.options, help: { type: "boolean", short: "h" }, json: { type: "boolean" } },
      allowPositionals: true,
      strict: true,
    });
    const parsed = { values: values as ParsedArgs["values"], positionals };
    checkShape(command, parsed);
    return parsed;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError((error as Error).message.replace(/\. To specify a positional.*$/s, "."));
  }
}

/** Extra arguments and conflicting options are refused, never silently ignored. */
function checkShape(command: Command, args: ParsedArgs): void {
  if (args.values.help) return;
  const max = command.maxPositionals;
  if (max !== undefined && args.positionals.length > max) {
    const extra = args.positionals.slice(max).map((p) => `"${p}"`);
    throw new UsageError(`unexpected argument${extra.length > 1 ? "s" : ""} ${extra.join(" ")}`);
  }
  for (const group of command.conflicts ?? []) {
    const given = group.filter((name) => args.values[name] !== undefined);
    if (given.length > 1) throw new UsageError(`--${given[0]} and --${given[1]} cannot be used together`);
  }
}

/** A whole-number option: absent gives `fallback`, anything but digits in range is a UsageError. */
export function intOption(
  args: ParsedArgs,
  name: string,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = args.values[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== "string" || !/^\d+$/.test(raw.trim()))
    throw new UsageError(`--${name} expects a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const raw = args.values[name];
  return typeof raw === "string" ? raw : undefined;
}

export function choiceOption<T extends string>(
  args: ParsedArgs,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const raw = args.values[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== "string" || !(choices as readonly string[]).includes(raw)) {
    throw new UsageError(`--${name} must be one of ${choices.join(", ")}, got "${String(raw)}"`);
  }
  return raw as T;
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}
