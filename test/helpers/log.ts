import { createLogger, type Logger } from "../../src/log.js";
import { redactor, type Secret } from "../../src/secret.js";

/** A logger whose every line lands in `lines`, redacting like production does. */
export function captureLog(secrets: Secret[] = []): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return {
    log: createLogger({ level: "debug", redact: redactor(secrets), sink: (l) => lines.push(l) }),
    lines,
  };
}
