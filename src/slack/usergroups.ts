import type { App } from '@slack/bolt';

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
