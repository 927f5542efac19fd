import { printable } from "./printable.js";

/**
 * A small structured logger. Lines go to stderr (stdout belongs to `--json` output), and every line passes
 * through the redactor built from the configured secrets before it is written, so a secret that slipped
 * into a message or a field still never leaves the process.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(component: string): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  redact?: (text: string) => string;
  /** Where finished lines go; stderr by default. Tests capture them here. */
  sink?: (line: string) => void;
  component?: string;
}

function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  // JSON-quoting escapes control characters too: a Gong name cannot write escape sequences into the log.
  if (typeof value === "string")
    return /[\s"=]/.test(value) || printable(value) !== value ? JSON.stringify(value) : value;
  if (value === undefined) return "undefined";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const min = RANK[options.level ?? "info"];
  const redact = options.redact ?? ((t: string) => t);
  const sink = options.sink ?? ((line: string) => process.stderr.write(`${line}\n`));

  const make = (component: string | undefined): Logger => {
    const write = (level: LogLevel, message: string, fields?: LogFields) => {
      if (RANK[level] < min) return;
      const parts = [new Date().toISOString(), level.padEnd(5), component ? `[${component}]` : "", message];
      for (const [k, v] of Object.entries(fields ?? {})) parts.push(`${k}=${formatValue(v)}`);
      sink(redact(parts.filter(Boolean).join(" ")));
    };
    return {
      debug: (m, f) => write("debug", m, f),
      info: (m, f) => write("info", m, f),
      warn: (m, f) => write("warn", m, f),
      error: (m, f) => write("error", m, f),
      child: (c) => make(component ? `${component}/${c}` : c),
    };
  };
  return make(options.component);
}

/** A logger that drops everything: the default for library-style use and most tests. */
export const silentLogger: Logger = createLogger({ sink: () => {} });
