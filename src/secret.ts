import { inspect } from "node:util";

const REDACTED = "[redacted]";

/**
 * A credential that refuses to be printed. `String(secret)`, `JSON.stringify`, `util.inspect` and
 * console.log all show `[redacted]`; only `reveal()` hands out the value, and only the code that builds
 * an Authorization header calls it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/**
 * Replaces every occurrence of the given secret values (and their base64 forms, as they appear in
 * Basic auth headers) with `[redacted]`: a last line of defence for text that leaves the process.
 */
export function redactor(
  secrets: ReadonlyArray<Secret | string | null | undefined>,
): (text: string) => string {
  const needles = new Set<string>();
  for (const s of secrets) {
    const v = s instanceof Secret ? s.reveal() : s;
    if (!v || v.length < 4) continue;
    needles.add(v);
    // A log line is JSON: a multi-line value (a PEM key) or one with quotes (a JWK) appears escaped there.
    needles.add(JSON.stringify(v).slice(1, -1));
    needles.add(Buffer.from(v).toString("base64").replace(/=+$/, ""));
  }
  const list = [...needles].sort((a, b) => b.length - a.length);
  if (list.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const n of list) if (out.includes(n)) out = out.split(n).join(REDACTED);
    return out;
  };
}
