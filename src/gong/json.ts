import { isInteger, isSafeNumber, parse } from "lossless-json";

/**
 * Gong ids are int64s. Most endpoints send them as strings, but some send bare JSON numbers, and
 * `JSON.parse` silently rounds anything above 2^53 ("7782342274025937895" becomes ...5937900). This parse
 * keeps every integer that a double cannot hold exactly as its exact digit string; safe numbers stay
 * numbers. The fast path uses JSON.parse when the text holds no bare number of 16 or more digits; the
 * check is conservative (a long digit run inside a string also takes the slow, exact path).
 */
const LONG_BARE_NUMBER = /[:[,]\s*-?\d{16,}/;

export function parseJsonLossless(text: string): unknown {
  if (!LONG_BARE_NUMBER.test(text)) return JSON.parse(text);
  return parse(text, null, (digits: string) => {
    if (isSafeNumber(digits)) return Number(digits);
    if (isInteger(digits)) return digits;
    return Number(digits);
  });
}
