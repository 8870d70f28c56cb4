import type { App } from '@slack/bolt';
import type { WardenConfig } from '../config/schema.ts';
import { mayApprove, needsGroupLookup, slackConfigOf } from './authorize.ts';

/** The members of these Slack user groups (usergroups.users.list). A group that cannot be read grants nothing. */
export async function membersOfUserGroups(userGroups: readonly string[], client: App['client']): Promise<string[]> {
  const members: string[] = [];
  for (const usergroup of userGroups) {
    try {
      const result = await client.usergroups.users.list({ usergroup });
      members.push(...(result.users ?? []));
    } catch (error) {
      console.error(`warden: cannot read the members of user group ${usergroup}: ${(error as Error).message}`);
    }
  }
  return members;
}

/** Whether `userId` is an approver, looking up the approver user groups only when the answer depends on them. */
export async function isApproverLookingUp(
  userId: string,
  config: WardenConfig,
  client: App['client'],
): Promise<boolean> {
  if (!needsGroupLookup(userId, config)) return mayApprove(userId, config);
  return mayApprove(userId, config, await membersOfUserGroups(slackConfigOf(config).approvers.userGroups, client));
}
