import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Signed, expiring cursors like Gong's: opaque to clients, bound to the listing they came from, and
 * valid for a TTL counted from the listing's first page (about an hour, per Gong's docs).
 */
export interface CursorState {
  /** Which listing (endpoint + every input but the cursor). */
  listing: string;
  offset: number;
  /** When the listing's first page was served. */
  firstPageAt: number;
}

export type CursorCheck =
  | { ok: true; state: CursorState }
  | { ok: false; reason: "invalid" | "expired" | "mismatch" };

export class CursorSigner {
  private readonly key = randomBytes(32);

  constructor(public ttlMs: number) {}

  sign(state: CursorState): string {
    const payload = Buffer.from(JSON.stringify([state.listing, state.offset, state.firstPageAt])).toString(
      "base64url",
    );
    return `${payload}.${this.mac(payload)}`;
  }

  verify(cursor: string, listing: string, now: number): CursorCheck {
    const [payload, mac] = cursor.split(".");
    if (!payload || !mac) return { ok: false, reason: "invalid" };
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      return { ok: false, reason: "invalid" };
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    } catch {
      return { ok: false, reason: "invalid" };
    }
    if (!Array.isArray(parsed) || parsed.length !== 3) return { ok: false, reason: "invalid" };
    const [l, offset, firstPageAt] = parsed as [string, number, number];
    if (l !== listing) return { ok: false, reason: "mismatch" };
    if (now - firstPageAt > this.ttlMs) return { ok: false, reason: "expired" };
    return { ok: true, state: { listing: l, offset, firstPageAt } };
  }

  private mac(payload: string): string {
    return createHmac("sha256", this.key).update(payload).digest("base64url");
  }
}
