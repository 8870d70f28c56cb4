import { errorText } from '../../lib/errors.ts';
import { recordTrail } from '../../app/trail.ts';
import type { App, RespondFn } from '@slack/bolt';
import type { SlackConfig, WardenConfig } from '../../config/schema.ts';
import type { MessageRef, StateStore } from '../../store/state.ts';
import { slackConfigOf } from '../authorize.ts';
import type { WorkQueue } from '../queue.ts';
import { createSuppressionRequests } from '../suppression-requests.ts';
import type { SuppressionRequests } from '../suppression-requests.ts';
import { isApproverLookingUp } from '../usergroups.ts';

// What every listener and listener middleware is given: the config, the state, the queue, the clock
// and the few helpers they share (the audit trail, the thread note, the approver lookup).

export type SlackClient = App['client'];

export interface ListenerContext {
  config: WardenConfig;
  slack: SlackConfig;
  store: StateStore;
  queue: WorkQueue;
  now: () => Date;
  /** The app's own Web API client (a listener's `args.client` is the one for the request's workspace). */
  client: SlackClient;
  suppressionRequests: SuppressionRequests;
  /** Appends one entry to the audit trail (src/app/trail.ts). */
  recordTrail(actor: string, action: string, target: string, outcome: string, detail?: string): Promise<void>;
  /**
   * Posts one line of the audit trail in the finding's thread (its own message, else `fallback`).
   * Best effort: the store's audit log is the record, and a Slack hiccup must not fail the interaction.
   */
  threadNote(
    client: SlackClient,
    fingerprint: string | undefined,
    fallback: MessageRef | undefined,
    text: string,
  ): Promise<void>;
  /** Whether `userId` is an approver (listed, or a member of a listed user group). */
  isApprover(userId: string, client: SlackClient): Promise<boolean>;
}

/** How long a Slack delivery id stays claimed: Slack retries within minutes. */
export const CLAIM_TTL_SECONDS = 24 * 3600;

/**
 * A reply only the person who clicked sees, leaving the message as it is. A click on the Home tab comes
 * without a response_url (Bolt then gives no `respond`): there is nowhere private to answer, so it is logged.
 */
export async function ephemeral(respond: RespondFn | undefined, text: string): Promise<void> {
  if (typeof respond !== 'function') {
    console.error(`warden: no private way to answer this click (Home tab): ${text}`);
    return;
  }
  await respond({ response_type: 'ephemeral', replace_original: false, text });
}

export function createListenerContext(deps: {
  config: WardenConfig;
  store: StateStore;
  queue: WorkQueue;
  now: () => Date;
  client: SlackClient;
}): ListenerContext {
  const { config, store, queue, now } = deps;
  const slack = slackConfigOf(config);
  return {
    config,
    slack,
    store,
    queue,
    now,
    client: deps.client,
    suppressionRequests: createSuppressionRequests({ config, store, client: deps.client, now }),
    recordTrail: (actor, action, target, outcome, detail) =>
      recordTrail({ store, now }, actor, action, target, outcome, detail),
    async threadNote(client, fingerprint, fallback, text) {
      try {
        const ref = (fingerprint ? (await store.findings.get(fingerprint))?.message : undefined) ?? fallback;
        if (!ref?.channel || !ref.ts) return;
        await client.chat.postMessage({ channel: ref.channel, thread_ts: ref.ts, text });
      } catch (error) {
        console.error(`warden: audit note not posted in the thread: ${errorText(error)}`);
      }
    },
    isApprover: (userId, client) => isApproverLookingUp(userId, config, client),
  };
}
