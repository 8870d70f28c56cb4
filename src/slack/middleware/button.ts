import type { AllMiddlewareArgs, BlockButtonAction, Context, Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import { ButtonValueError, parseButtonValue } from '../actions.ts';
import type { ActionId, ButtonPayload } from '../actions.ts';
import type { MessageRef } from '../../store/state.ts';
import { CLAIM_TTL_SECONDS, ephemeral } from '../listeners/context.ts';
import type { ListenerContext } from '../listeners/context.ts';

// Every button click goes through this before its listener: acknowledged at once, its value parsed (a
// value Warden did not make is refused), its delivery claimed (a retried delivery stops here), and the
// click described in Bolt's `context` for the middleware and the listener after it.

export type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

export interface ButtonClick {
  actionId: ActionId;
  payload: ButtonPayload;
  user: string;
  /** The channel the button is in ('' when Slack sent none). */
  channel: string;
  /** The claimed delivery id, passed on with the job it queues. */
  requestId: string;
  /** The message the button is on, when Slack sent it. */
  message?: MessageRef;
  /** Posts `text` in the finding's thread (its message, else the thread the button is in). */
  note(text: string): Promise<void>;
}

const KEY = 'wardenButton';

/** The click the button middleware described; a listener registered without it is a wiring mistake. */
export function buttonClickOf(context: Context): ButtonClick {
  const click = context[KEY] as ButtonClick | undefined;
  if (!click) throw new Error('no button click in the context: register the listener after buttonClick()');
  return click;
}

export function buttonClick(
  ctx: ListenerContext,
  actionId: ActionId,
): Middleware<SlackActionMiddlewareArgs<BlockButtonAction>> {
  return async (args) => {
    await args.ack();
    const user = args.body.user.id;
    const channel = args.body.channel?.id ?? '';
    let payload: ButtonPayload;
    try {
      payload = parseButtonValue(args.action.value, actionId);
    } catch (error) {
      if (!(error instanceof ButtonValueError)) throw error;
      await ctx.recordTrail(user, actionId, '-', `refused: ${error.message}`);
      await ephemeral(args.respond, 'This button is not one Warden made (or it was changed); nothing was done.');
      return;
    }
    const requestId = `action:${args.body.trigger_id}:${actionId}`;
    if (!(await ctx.store.idempotency.claim(requestId, CLAIM_TTL_SECONDS, ctx.now()))) return;
    // The button's message, or the thread it is in (the Revert button is in the finding's thread).
    const on = args.body.message as { ts?: string; thread_ts?: string } | undefined;
    const fallback = channel && on?.ts ? { channel, ts: on.thread_ts ?? on.ts } : undefined;
    const click: ButtonClick = {
      actionId,
      payload,
      user,
      channel,
      requestId,
      ...(channel && on?.ts ? { message: { channel, ts: on.ts } } : {}),
      note: (text) => ctx.threadNote(args.client, payload.fingerprint, fallback, text),
    };
    args.context[KEY] = click;
    await args.next();
  };
}
