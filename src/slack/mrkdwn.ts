/**
 * Text from Gong goes into Slack escaped, always. Slack's mrkdwn gives `<`, `>` and `&` meaning
 * (`<!channel>` pings everyone, `<https://x|y>` is a link), so they are sent as `&lt;`, `&gt;`, `&amp;`
 * (api.slack.com/reference/surfaces/formatting#escaping). Text objects are marked `verbatim`, so Slack
 * does not turn emails, URLs or #channel names into links or mentions on its own either.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * A message of gongops' own that names Slack users as `<@U…>` (an approver, who decided) around Gong
 * text: everything escaped, then only exact user mentions made real again, so the reader sees a name,
 * never "&lt;@U…&gt;". Links, `<!channel>` and any other markup stay escaped.
 */
export function escapeKeepingMentions(text: string): string {
  return escapeMrkdwn(text).replace(/&lt;@([UW][A-Z0-9]{2,})&gt;/g, "<@$1>");
}

/** Gong text for a mrkdwn field: escaped, empty for null. */
export function literal(text: string | null | undefined): string {
  return text ? escapeMrkdwn(text) : "";
}

/**
 * An email as inline code: never a mailto link, never styled, still copyable as typed. A backtick (legal
 * in an address, never seen in practice) would end the code span, so it is shown as a prime.
 */
export function email(address: string | null | undefined): string {
  return address ? `\`${escapeMrkdwn(address).replace(/`/g, "′")}\`` : "_no email_";
}

export interface MrkdwnText {
  type: "mrkdwn";
  text: string;
  verbatim: true;
}

export interface PlainText {
  type: "plain_text";
  text: string;
  emoji: boolean;
}

/** Slack caps text objects at 3,000 characters (section text) and shorter elsewhere. */
export function clip(text: string, max = 3000): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function mrkdwn(text: string, max = 3000): MrkdwnText {
  return { type: "mrkdwn", text: clip(text, max), verbatim: true };
}

/**
 * Plain text is not parsed for mentions or links, the safest place for Gong names; angle brackets are
 * still swapped for look-alikes (‹ ›) so that no client, notification or copy of the text can ever read
 * `<!channel>` as a mention.
 */
export function plain(text: string, max = 150): PlainText {
  return {
    type: "plain_text",
    text: clip((text || " ").replace(/</g, "‹").replace(/>/g, "›"), max),
    emoji: false,
  };
}
