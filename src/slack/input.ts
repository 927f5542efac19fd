import { UsageError } from "../errors.js";

/**
 * What people type reaches a slash command in Slack's escaped form (the manifest sets should_escape):
 * `&`, `<` and `>` arrive as `&amp;`, `&lt;`, `&gt;`; a typed address as `<mailto:a@b.c|a@b.c>`; a link
 * as `<https://x|label>`; a mention as `<@U123|name>`; a channel as `<#C123|name>`; a user group as
 * `<!subteam^S123|@name>`. Decoded once, here, at the edge, so that every subcommand sees what the
 * person typed. Mentions and channels keep a canonical form (`<@U123>`, `<#C123>`) that the lookups and
 * channel arguments understand; a literal `<` typed by someone arrives escaped, so nothing typed can
 * pose as one.
 */
const ENTITY = /<([^<>]*)>/g;

function decodeEntities(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

export function decodeSlackText(text: string): string {
  const parts: string[] = [];
  let last = 0;
  for (const m of text.matchAll(ENTITY)) {
    parts.push(decodeEntities(text.slice(last, m.index)));
    last = m.index + m[0].length;
    const [target = "", label] = m[1]!.split("|", 2);
    if (/^@[UW][A-Z0-9]+$/.test(target)) parts.push(`<${target}>`);
    else if (/^#C[A-Z0-9]+$/.test(target)) parts.push(`<${target}>`);
    else if (target.startsWith("mailto:")) parts.push(decodeEntities(target.slice("mailto:".length)));
    else if (target.startsWith("!subteam^")) parts.push(decodeEntities(label ?? target));
    else if (target.startsWith("!")) parts.push(decodeEntities(label ?? `@${target.slice(1)}`));
    // A link: what was typed is the label when Slack shows one, the URL otherwise.
    else parts.push(decodeEntities(label ?? target));
  }
  parts.push(decodeEntities(text.slice(last)));
  return parts.join("");
}

/**
 * Splits arguments like a shell would, with quotes for values with spaces. Slack clients often turn
 * straight quotes into curly ones (“ ” ‘ ’), so those quote too; only a quote that starts a word opens
 * one (O'Brien stays a name). An unclosed quote is refused rather than guessed at.
 */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let current = "";
  let inToken = false;
  let quote: string | null = null;
  const closing: Record<string, string> = { '"': '"', "'": "'", "“": "”", "”": "”", "‘": "’", "’": "’" };
  for (const ch of text) {
    if (quote) {
      if (ch === closing[quote] || (quote === "“" && ch === "“")) quote = null;
      else current += ch;
    } else if (/\s/.test(ch)) {
      if (inToken) out.push(current);
      current = "";
      inToken = false;
    } else if (!inToken && ch in closing) {
      // Only a quote that starts a word quotes: O'Brien is a name, not an open quote.
      quote = ch;
      inToken = true;
    } else {
      current += ch;
      inToken = true;
    }
  }
  if (quote) throw new UsageError(`a quote (${quote}) is not closed`);
  if (inToken) out.push(current);
  return out;
}

/** `--name value`, `--name=value` and bare `--flag` options out of split arguments. */
export function parseOptions(
  tokens: readonly string[],
  spec: Record<string, "string" | "boolean">,
): { positionals: string[]; options: Record<string, string | true> } {
  const positionals: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(token);
    if (!m) {
      positionals.push(token);
      continue;
    }
    const name = m[1]!;
    const kind = spec[name];
    if (!kind)
      throw new UsageError(
        `unknown option --${name}${
          Object.keys(spec).length
            ? ` (known: ${Object.keys(spec)
                .map((k) => `--${k}`)
                .join(", ")})`
            : ""
        }`,
      );
    if (name in options) throw new UsageError(`--${name} is given twice`);
    if (kind === "boolean") {
      if (m[2] !== undefined) throw new UsageError(`--${name} takes no value`);
      options[name] = true;
    } else {
      const value = m[2] ?? tokens[++i];
      if (value === undefined || (m[2] === undefined && value.startsWith("--")))
        throw new UsageError(`--${name} needs a value`);
      options[name] = value;
    }
  }
  return { positionals, options };
}
