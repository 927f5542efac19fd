/**
 * What a schedule's time zone may be: a place (Europe/Berlin), whose clocks follow its summer time, or
 * UTC. Abbreviations are refused even where the platform knows them: EST is a fixed UTC-5 all year (in
 * tzdb, a link to America/Panama), so "9:00 EST" would run at 10:00 in New York all summer; EST5EDT and
 * its kind are legacy rules; PST or BST are not zones at all. Each is refused with the place it most
 * likely means.
 */
const SUGGEST: Record<string, string> = {
  EST: "America/New_York",
  EDT: "America/New_York",
  EST5EDT: "America/New_York",
  CST: "America/Chicago",
  CDT: "America/Chicago",
  CST6CDT: "America/Chicago",
  MST: "America/Denver (or America/Phoenix, which keeps no summer time)",
  MDT: "America/Denver",
  MST7MDT: "America/Denver",
  PST: "America/Los_Angeles",
  PDT: "America/Los_Angeles",
  PST8PDT: "America/Los_Angeles",
  AKST: "America/Anchorage",
  AKDT: "America/Anchorage",
  HST: "Pacific/Honolulu",
  WET: "Europe/Lisbon",
  WEST: "Europe/Lisbon",
  BST: "Europe/London",
  CET: "Europe/Berlin (or your city: Europe/Paris, Europe/Madrid, …)",
  CEST: "Europe/Berlin (or your city: Europe/Paris, Europe/Madrid, …)",
  MET: "Europe/Berlin",
  EET: "Europe/Athens (or your city: Europe/Helsinki, Europe/Kyiv, …)",
  EEST: "Europe/Athens (or your city: Europe/Helsinki, Europe/Kyiv, …)",
  IST: "Asia/Kolkata (or Europe/Dublin, or Asia/Jerusalem)",
  JST: "Asia/Tokyo",
  KST: "Asia/Seoul",
  AEST: "Australia/Sydney",
  AEDT: "Australia/Sydney",
  AWST: "Australia/Perth",
  NZST: "Pacific/Auckland",
  NZDT: "Pacific/Auckland",
};

/** UTC under the names people give it: a fixed offset of zero is what they mean. */
const UTC = new Set(["UTC", "ETC/UTC", "GMT", "ETC/GMT", "Z", "ZULU", "UNIVERSAL", "ETC/UNIVERSAL"]);

function platformKnows(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Why `zone` cannot be a schedule's zone, or null when it is a place or UTC. `suggests`: the reason
 * names the zone to use instead (an abbreviation, a fixed offset).
 */
export function zoneProblem(zone: string): { why: string; suggests: boolean } | null {
  const key = zone.trim().toUpperCase();
  const suggestion = SUGGEST[key];
  if (suggestion)
    return {
      why:
        `"${zone}" is an abbreviation, not a place: its clock does not follow summer time the way the people ` +
        `who say it do. Use the IANA zone of the place, like ${suggestion}`,
      suggests: true,
    };
  if (/^(ETC\/)?GMT[+-]\d{1,2}$|^UTC[+-]\d/.test(key))
    return {
      why: `"${zone}" is a fixed offset from UTC: it does not follow summer time. Use the IANA zone of the place, like America/New_York or Europe/Berlin`,
      suggests: true,
    };
  if (UTC.has(key) || platformKnows(zone)) return null;
  return {
    why: `"${zone}" is not an IANA time zone (like Europe/Berlin or America/New_York)`,
    suggests: false,
  };
}
