import type { WebClient } from '@slack/web-api';
import { homePosture } from '../app/home-posture.ts';
import type { WardenConfig } from '../config/schema.ts';
import type { StateStore } from '../store/state.ts';
import { slackConfigOf } from './authorize.ts';
import { homeView } from './blocks/home.ts';
import type { HomeViewer } from './blocks/home.ts';
import { isReaderLookingUp } from './middleware/readers.ts';
import { isApproverLookingUp, membersOfUserGroups } from './usergroups.ts';

// The App Home tab (`app_home_opened`). Who may read it follows the channel rule: a person sees Warden's
// findings where they could read its messages — as a member of the channel the findings are posted in — or
// anywhere as one of its readers (`slack.readers`). Anyone else gets a Home that says nothing about the estate.

/** The Web API calls the Home tab makes (a WebClient fits). */
export type HomeClient = Pick<WebClient, 'views' | 'conversations' | 'usergroups'>;

/** Whether `user` is a member of `channel` (conversations.members, every page); a channel that cannot be read grants nothing. */
export async function isChannelMember(client: HomeClient, channel: string, user: string): Promise<boolean> {
  let cursor: string | undefined;
  try {
    do {
      const page = await client.conversations.members({ channel, limit: 1000, ...(cursor ? { cursor } : {}) });
      if (page.members?.includes(user)) return true;
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
  } catch (error) {
    console.error(`warden: cannot read the members of channel ${channel}: ${(error as Error).message}`);
  }
  return false;
}

/** Whether `user` may read Warden's findings outside a channel: a reader, or a member of the findings channel. */
export async function mayReadFindings(user: string, config: WardenConfig, client: HomeClient): Promise<boolean> {
  const slack = slackConfigOf(config);
  if (!user) return false;
  if (await isReaderLookingUp(user, slack, (groups) => membersOfUserGroups(groups, client as WebClient))) return true;
  return slack.channel !== undefined && (await isChannelMember(client, slack.channel, user));
}

export async function homeViewerOf(user: string, config: WardenConfig, client: HomeClient): Promise<HomeViewer> {
  const slack = slackConfigOf(config);
  const mayRead = await mayReadFindings(user, config, client);
  const mayAcceptRisk = mayRead && (await isApproverLookingUp(user, config, client as WebClient));
  return { mayRead, mayAcceptRisk, ...(slack.channel ? { channel: slack.channel } : {}) };
}

/** Publishes `user`'s Home tab: the posture when they may read it, else only how to get access. */
export async function publishHome(
  user: string,
  deps: { config: WardenConfig; store: Pick<StateStore, 'runs' | 'findings'>; client: HomeClient },
): Promise<HomeViewer> {
  const viewer = await homeViewerOf(user, deps.config, deps.client);
  const posture = viewer.mayRead ? await homePosture(deps.store) : undefined;
  await deps.client.views.publish({ user_id: user, view: homeView(posture, viewer) });
  return viewer;
}
