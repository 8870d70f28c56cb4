import { defaultSlackConfig } from '../config/schema.ts';
import type { SlackConfig, WardenConfig } from '../config/schema.ts';

// Who may approve fixes, revert changes and accept risk: the configured approvers only. Pure: the
// members of the configured user groups are looked up by the caller (usergroups.users.list) and
// passed in.

/** The config's Slack section, or the defaults (no approvers) when it has none. */
export function slackConfigOf(config: WardenConfig): SlackConfig {
  return config.slack ?? defaultSlackConfig();
}

/**
 * Whether `userId` is an approver: listed in `slack.approvers.users`, or among `groupMembers` (the
 * members of the configured `slack.approvers.userGroups`). With no approvers configured, nobody is.
 */
export function mayApprove(userId: string, config: WardenConfig, groupMembers: readonly string[] = []): boolean {
  if (!userId) return false;
  const { approvers } = slackConfigOf(config);
  if (approvers.users.includes(userId)) return true;
  return approvers.userGroups.length > 0 && groupMembers.includes(userId);
}

/** Whether `actor` is a person in Slack (a user id), not the schedule or a real-time audit (`scheduler`, `realtime:…`). */
export function isSlackUserId(actor: string): boolean {
  return /^[UW][A-Z0-9]{2,}$/.test(actor);
}

/** Whether membership of the configured user groups needs to be looked up to decide for `userId`. */
export function needsGroupLookup(userId: string, config: WardenConfig): boolean {
  const { approvers } = slackConfigOf(config);
  return !approvers.users.includes(userId) && approvers.userGroups.length > 0;
}

/** The ephemeral reply to someone who may not do `what` (`approve this fix`, `revert this change`, …). */
export function refusalText(what: string, config: WardenConfig): string {
  const { approvers } = slackConfigOf(config);
  if (approvers.users.length === 0 && approvers.userGroups.length === 0) {
    return `You may not ${what}: no approvers are configured for Warden (slack.approvers in its config), so nobody can. This attempt was logged.`;
  }
  const who = [...approvers.users.map((u) => `<@${u}>`), ...approvers.userGroups.map((g) => `<!subteam^${g}>`)];
  const list = who.length > 5 ? `${who.slice(0, 5).join(', ')} and ${who.length - 5} more` : who.join(', ');
  return `You may not ${what}: only Warden's approvers can (${list}). This attempt was logged.`;
}
