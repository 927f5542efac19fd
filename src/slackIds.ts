/**
 * Slack's ids as Slack writes them, told apart the same way everywhere: a person (U…, or W… on
 * Enterprise Grid) and a conversation (C… public, G… private, D… a direct message). `#name` and an
 * email are never ids. Services check them too (a schedule's channel, who kept a seat), so this sits
 * below both the services and the Slack face.
 */
const USER_ID = /^[UW][A-Z0-9]+$/;
const CHANNEL_ID = /^[CGD][A-Z0-9]+$/;

export const isSlackUserId = (text: string): boolean => USER_ID.test(text);

export const isChannelId = (text: string): boolean => CHANNEL_ID.test(text);
