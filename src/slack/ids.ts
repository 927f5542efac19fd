/**
 * Everything the Slack app registers, in one place: the manifest test checks each of these against
 * manifest.yml, and the listeners register exactly these.
 */
export const SLASH_COMMAND = "/gong";

export const ACTIONS = {
  showChain: "gong_show_chain",
  showReports: "gong_show_reports",
  moreLines: "gong_more_lines",
  auditPage: "gong_audit_page",
  approve: "gong_approval_approve",
  keep: "gong_approval_keep",
  approveAll: "gong_approval_approve_all",
  reactivate: "gong_approval_reactivate",
  /** A failed deactivation run again (admins), from the admins' notice and App Home. */
  retry: "gong_approval_retry",
  requestFromAudit: "gong_approval_request_from_audit",
  requestLeaver: "gong_leaver_request",
  /** The seat holder's answers (GONGOPS_NOTIFY_SUBJECT). */
  holderKeep: "gong_holder_keep",
  holderRelease: "gong_holder_release",
} as const;

/** Modal callback ids. */
export const VIEWS = {
  requestDeactivation: "gong_approval_request_modal",
  keepReason: "gong_approval_keep_modal",
  /** An admin deciding in the approver's place: the reason the override needs. */
  overrideReason: "gong_approval_override_modal",
  /** Reactivate: the reason it needs, and the confirmation. */
  reactivateReason: "gong_approval_reactivate_modal",
  holderKeep: "gong_holder_keep_modal",
} as const;

/** user_change: a deactivated (or reactivated) Slack account reaches the leavers at once (leavers/). */
export const EVENTS = ["app_home_opened", "user_change"] as const;

/** Web API methods the app calls, with the bot scope each needs (checked against the manifest). */
export const API_SCOPES: Record<string, string> = {
  "chat.postMessage": "chat:write",
  "chat.update": "chat:write",
  "chat.getPermalink": "chat:write",
  "users.info": "users:read.email",
  "users.list": "users:read",
  "usergroups.users.list": "usergroups:read",
  "views.publish": "chat:write",
  "files.getUploadURLExternal": "files:write",
  "files.completeUploadExternal": "files:write",
  "conversations.join": "channels:join",
  // gongops doctor: can the bot post in each channel it is set to (a private one needs groups:read too).
  "conversations.info": "channels:read",
  "conversations.open": "im:write",
  "conversations.list": "channels:read",
  "users.lookupByEmail": "users:read.email",
  "views.open": "chat:write",
};

/** Scopes the manifest must grant besides those: the slash command, and posting where not invited. */
export const EXTRA_SCOPES = ["commands", "chat:write.public", "users:read", "groups:read"];
