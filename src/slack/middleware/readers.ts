import type {
  AllMiddlewareArgs,
  AnyMiddlewareArgs,
  Middleware,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
} from '@slack/bolt';
import type { SlackConfig, WardenConfig } from '../../config/schema.ts';
import { slackConfigOf } from '../authorize.ts';
import { HOME_ACTIONS } from '../blocks/home.ts';

// Who may read: Warden answers commands and button clicks in its channels (`slack.channels`, default
// `[slack.channel]`), and anywhere to its readers (`slack.readers`) — except, outside the channels,
// the commands that post there for everyone. Everything else — other channels, DMs, group DMs — is
// refused with one line before any handler runs.

/** The channels where Warden answers: `slack.channels`, else `[slack.channel]`, else none. */
export function answeringChannelsOf(slack: SlackConfig): string[] {
  return slack.channels ?? (slack.channel ? [slack.channel] : []);
}

/** Whether `userId` is a configured reader (listed, or among `groupMembers` of `slack.readers.userGroups`). */
export function isReader(userId: string, slack: SlackConfig, groupMembers: readonly string[] = []): boolean {
  if (!userId) return false;
  return slack.readers.users.includes(userId) || (slack.readers.userGroups.length > 0 && groupMembers.includes(userId));
}

/** Whether `userId` is a reader, looking up the reader user groups (`membersOf`) only when the answer depends on them. */
export async function isReaderLookingUp(
  userId: string,
  slack: SlackConfig,
  membersOf: (userGroups: readonly string[]) => Promise<string[]>,
): Promise<boolean> {
  if (!userId) return false;
  if (slack.readers.users.includes(userId)) return true;
  return slack.readers.userGroups.length > 0 && isReader(userId, slack, await membersOf(slack.readers.userGroups));
}

/** The one-line refusal for a request from `channelId` (empty: none, as in some modals), or undefined when Warden answers there. */
export function channelRefusal(channelId: string, slack: SlackConfig): string | undefined {
  const channels = answeringChannelsOf(slack);
  if (channelId && channels.includes(channelId)) return undefined;
  if (channels.length === 0)
    return 'Warden answers in no channel: none is configured (slack.channel or slack.channels in its config). This attempt was logged.';
  const list = channels.map((c) => `<#${c}>`).join(', ');
  const where = /^D/.test(channelId) ? 'in direct messages' : channelId ? 'in this channel' : 'here';
  return `Warden does not answer ${where}: use ${list}, or ask to be added to slack.readers. This attempt was logged.`;
}

/** Commands whose results are posted in the channel for everyone (findings with buttons, digests): a reader runs them in Warden's channels. */
const POSTS_IN_CHANNEL: ReadonlySet<string> = new Set(['audit', 'fix', 'suppress', 'unsuppress']);

/** The refusal for a reader outside the channels running `verb`, or undefined when its answer is theirs alone. */
export function readerRefusal(verb: string, slack: SlackConfig): string | undefined {
  if (!POSTS_IN_CHANNEL.has(verb)) return undefined;
  const list = answeringChannelsOf(slack)
    .map((c) => `<#${c}>`)
    .join(', ');
  return `\`/warden ${verb}\` posts in Warden's channels, not here: ${list ? `run it in ${list}` : 'none is configured (slack.channel or slack.channels)'}. This attempt was logged.`;
}

type ReadArgs = (SlackCommandMiddlewareArgs | SlackActionMiddlewareArgs) & AllMiddlewareArgs;

export interface ReaderGateOptions {
  config: WardenConfig;
  /** Whether a person may read the findings outside a channel (the Home tab's rule: src/slack/home.ts). */
  mayReadHome: (user: string, client: AllMiddlewareArgs['client']) => Promise<boolean>;
  /** The members of these user groups (a group that cannot be read contributes nobody). */
  membersOf: (userGroups: readonly string[], client: AllMiddlewareArgs['client']) => Promise<string[]>;
  /** Records the refusal in the audit trail. */
  refused: (user: string, what: string, channel: string, reason: string) => Promise<void>;
}

function requestOf(args: ReadArgs): { user: string; channel: string; what: string; verb?: string } {
  if ('command' in args) {
    const verb = (args.command.text ?? '').trim().split(/\s+/)[0]?.toLowerCase() || 'help';
    return { user: args.command.user_id, channel: args.command.channel_id, what: `command:${verb}`, verb };
  }
  const body = args.body as { user?: { id?: string }; channel?: { id?: string }; container?: { channel_id?: string } };
  const action = (args as { action?: { action_id?: string } }).action;
  return {
    user: body.user?.id ?? '',
    channel: body.channel?.id ?? body.container?.channel_id ?? '',
    what: action?.action_id ?? 'action',
  };
}

/** A click on a button of the App Home tab: it has no channel, and no response_url to answer through. */
function isHomeClick(args: ReadArgs): boolean {
  if ('command' in args) return false;
  const body = args.body as { container?: { type?: string }; view?: { type?: string } };
  return body.container?.type === 'view' && body.view?.type === 'home';
}

/** Listener middleware for `/warden` and the buttons: one check for both, before the handler runs. */
export function readerGate(options: ReaderGateOptions): Middleware<AnyMiddlewareArgs> {
  const slack = slackConfigOf(options.config);
  return async (anyArgs) => {
    const args = anyArgs as unknown as ReadArgs;
    const { user, channel, what, verb } = requestOf(args);
    // The usage says nothing about the estate: anyone may read it anywhere.
    if (verb === 'help') return args.next();
    if (isHomeClick(args)) {
      // Only the buttons a Home tab carries, and only for someone who may read the findings there.
      const allowed = HOME_ACTIONS.has(what) && (await options.mayReadHome(user, args.client));
      if (allowed) return args.next();
      await args.ack();
      await options.refused(user, what, 'home', 'not a reader or member of the findings channel, or not a Home button');
      return;
    }
    let refusal = channelRefusal(channel, slack);
    if (refusal === undefined) return args.next();
    const reader = await isReaderLookingUp(user, slack, (groups) => options.membersOf(groups, args.client));
    if (reader) {
      refusal = verb === undefined ? undefined : readerRefusal(verb, slack);
      if (refusal === undefined) return args.next();
    }
    await options.refused(user, what, channel || '-', refusal);
    if ('command' in args) {
      await args.ack({ response_type: 'ephemeral', text: refusal });
      return;
    }
    await args.ack();
    await args.respond({ response_type: 'ephemeral', replace_original: false, text: refusal });
  };
}
