/**
 * Logs through pino: one JSON line per event on stderr (stdout belongs to `--json` output), readable
 * lines instead when stderr is a terminal. Every line passes through the redactor built from the
 * configured secrets (pino's `streamWrite` hook, on the finished JSON) before it is written, so a secret
 * that slipped into a message or a field still never leaves the process. Errors keep their stack and
 * cause. (No colours: the terminal face shows control characters escaped, printable.ts.)
 */
import { createRequire } from "node:module";
import pino from "pino";
import { processOutput } from "./stdio.js";

/** pino-pretty (dozens of modules) is loaded only for a terminal: a CLI answering into a pipe skips it. */
const prettyFactory: typeof import("pino-pretty").prettyFactory = (options) =>
  (createRequire(import.meta.url)("pino-pretty") as typeof import("pino-pretty")).prettyFactory(options);

export type LogLevel = "debug" | "info" | "warn" | "error";

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
  /** Where finished lines go (without the newline); stderr by default. Tests capture them here. */
  sink?: (line: string) => void;
  /** Human-readable lines instead of JSON (a terminal). */
  pretty?: boolean;
  component?: string;
}

/** Error values anywhere in the fields keep their type, message, stack and cause. */
function serializeFields(fields: LogFields | undefined): LogFields {
  if (!fields) return {};
  const out: LogFields = {};
  // `err` is pino's own serializer's (set below); any other key holding an Error gets the same treatment.
  for (const [k, v] of Object.entries(fields))
    out[k] = v instanceof Error && k !== "err" ? pino.stdSerializers.errWithCause(v) : v;
  return out;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const redact = options.redact ?? ((t: string) => t);
  // A closed stderr ends the writing quietly (stdio.ts): a log line about it could only hit it again.
  const sink = options.sink ?? ((line: string) => processOutput().write("stderr", `${line}\n`));
  const prettify = options.pretty ? prettyFactory({ colorize: false, ignore: "pid,hostname" }) : null;
  const root = pino(
    {
      level: options.level ?? "info",
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.errWithCause },
      hooks: { streamWrite: redact },
    },
    {
      // pino writes whole lines to this synchronously: nothing is lost when the process exits.
      write: (line: string) => {
        const text = line.endsWith("\n") ? line.slice(0, -1) : line;
        sink(prettify ? prettify(text).replace(/\n$/, "") : text);
      },
    },
  );
  // A child is made from the root with the whole path as one binding: pino appends a child's bindings to
  // its parent's, so a grandchild made from its parent would print `component` twice on each line.
  const wrap = (p: pino.Logger, component?: string): Logger => ({
    debug: (m, f) => p.debug(serializeFields(f), m),
    info: (m, f) => p.info(serializeFields(f), m),
    warn: (m, f) => p.warn(serializeFields(f), m),
    error: (m, f) => p.error(serializeFields(f), m),
    child: (name) => {
      const path = component ? `${component}/${name}` : name;
      return wrap(root.child({ component: path }), path);
    },
  });
  return options.component
    ? wrap(root.child({ component: options.component }), options.component)
    : wrap(root);
}

/** A logger that drops everything: the default for library-style use and most tests. */
export const silentLogger: Logger = createLogger({ sink: () => {}, level: "error" });
