import { z } from "zod";
import { IdpError, type IdpResponse, IdpRetryAfterTooLongError } from "./http.js";

/**
 * Reading an identity provider's answers, the same way for Okta and Microsoft Graph: a 2xx or an error
 * that says what was being done, every page of a list, and a refusal (4xx) in plain words. Each adapter
 * adds only what is its vendor's own: where the next page is, and the refusals it can name.
 */

/** Throws for anything but a 2xx: `what` is what gongops was doing ("unassign the user"). */
export function expectOk(res: IdpResponse, what: string): void {
  if (res.status >= 200 && res.status < 300) return;
  throw new IdpError(res.details, what);
}

/** An answer that does not have the documented shape. */
export function invalidAnswer(res: IdpResponse, what: string): IdpError {
  return new IdpError(res.details, `read ${res.details.vendor}'s answer (an invalid ${what})`);
}

export interface PageReader {
  /** The list's items on this page (Okta: the body; Graph: its `value`), unchecked. */
  items(res: IdpResponse): unknown;
  /** The next page's URL (Okta: Link rel="next"; Graph: @odata.nextLink), null on the last page. */
  next(res: IdpResponse): string | null;
}

/**
 * Every item of a list from its first page to its last: a group that grants the app on page two still
 * grants it. A vendor that hands back a page link it gave before would loop forever; that is an error.
 */
export async function* everyPage<T extends z.ZodType>(
  first: IdpResponse,
  more: (url: string) => Promise<IdpResponse>,
  reader: PageReader,
  item: T,
  what: string,
): AsyncGenerator<z.infer<T>> {
  const seen = new Set<string>();
  let res: IdpResponse | null = first;
  while (res) {
    expectOk(res, `read ${what}`);
    const page = z.array(item).safeParse(reader.items(res));
    if (!page.success) throw invalidAnswer(res, `page of ${what}`);
    yield* page.data;
    const next = reader.next(res);
    if (next && seen.has(next))
      throw new IdpError(res.details, `read ${what} (${res.details.vendor} repeated a page link)`);
    if (next) seen.add(next);
    res = next ? await more(next) : null;
  }
}

export type Explained = { failed: string } | { retryAt: Date; why: string } | null;

/**
 * A failure in words, after the rules both adapters share: a wait the vendor asked for becomes a retry
 * at that instant; a 5xx, a 429 or anything that is not the vendor's answer is left to the job's retry
 * (null); a 409 (two users with one address) changed nothing. Other refusals go to the vendor's own
 * words (`named`), and what it cannot name is said with the vendor's code and summary.
 */
export function explainRefusal(error: unknown, named: (e: IdpError) => { failed: string } | null): Explained {
  if (error instanceof IdpRetryAfterTooLongError) return { retryAt: error.retryAt, why: error.message };
  if (!(error instanceof IdpError)) return null;
  const { vendor, status, vendorCode, summary } = error.details;
  if (status === undefined || status < 400 || status >= 500 || status === 429) return null;
  if (status === 409) return { failed: `${error.message}. Nothing was changed.` };
  return (
    named(error) ?? {
      failed: `${vendor} refused to ${error.message} (HTTP ${status}${vendorCode ? ` ${vendorCode}` : ""}${summary ? `: ${summary}` : ""})`,
    }
  );
}
