import type { webApi } from "@slack/bolt";
import type { Clock } from "../clock.js";
import type { Logger } from "../log.js";
import { SUBCOMMANDS, type Subcommand } from "./blocks/help.js";

/**
 * Who may do what. Admins are the Slack user ids in GONGOPS_ADMIN_USER_IDS and the members of the user
 * group GONGOPS_ADMIN_USERGROUP_ID (asked of Slack, cached for a few minutes). Lookups are open to every
 * member unless GONGOPS_LOOKUPS_ADMIN_ONLY. Audits, syncs, org health and exemptions are admin-only.
 * When Slack cannot be asked, the answer is no. Every refusal is logged: who, what, when.
 */
export interface AccessSettings {
  adminUserIds: readonly string[];
  adminUsergroupId: string | null;
  lookupsAdminOnly: boolean;
}

const GROUP_TTL_MS = 5 * 60_000;

export class SlackAccess {
  private group: { members: Set<string>; at: number } | null = null;

  constructor(
    private readonly settings: AccessSettings,
    private readonly log: Logger,
    private readonly clock: Pick<Clock, "now">,
  ) {}

  async isAdmin(userId: string, client: webApi.WebClient): Promise<boolean> {
    if (this.settings.adminUserIds.includes(userId)) return true;
    const groupId = this.settings.adminUsergroupId;
    if (!groupId) return false;
    if (!this.group || this.clock.now() - this.group.at > GROUP_TTL_MS) {
      try {
        const res = await client.usergroups.users.list({ usergroup: groupId });
        this.group = { members: new Set(res.users ?? []), at: this.clock.now() };
      } catch (error) {
        this.log.warn("could not read the admin user group; treating the user as not an admin", {
          usergroup: groupId,
          err: error,
        });
        return false;
      }
    }
    return this.group.members.has(userId);
  }

  async allowed(userId: string, client: webApi.WebClient): Promise<Subcommand[]> {
    const admin = await this.isAdmin(userId, client);
    return (Object.keys(SUBCOMMANDS) as Subcommand[]).filter((s) =>
      SUBCOMMANDS[s].admin ? admin : admin || !this.settings.lookupsAdminOnly || s === "help",
    );
  }

  /** May `userId` run `what`? Logs the refusal when not. */
  async check(what: Subcommand, userId: string, client: webApi.WebClient, where: string): Promise<boolean> {
    const ok = (await this.allowed(userId, client)).includes(what);
    if (!ok)
      this.log.warn("refused", {
        user: userId,
        command: what,
        where,
        at: new Date(this.clock.now()).toISOString(),
      });
    return ok;
  }
}
