import type { AllMiddlewareArgs, BlockButtonAction, Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { ButtonPayload } from '../actions.ts';
import { refusalText } from '../authorize.ts';
import { ephemeral } from '../listeners/context.ts';
import type { ListenerContext } from '../listeners/context.ts';
import { buttonClickOf } from './button.ts';

// Who may act: what changes the estate or hides exposure is for Warden's approvers (each listener file
// says whether it needs one, and how a refusal names the attempt; app.ts puts this middleware before
// those listeners). Anyone else is refused here, before the listener runs: the attempt is logged, the
// person is told who may, and (for a button) the finding's thread says so. A listener behind this
// middleware may assume an approver.

/** One attempt at something only an approver may do. */
export interface ApproverAttempt {
  user: string;
  /** The audit entry's action and target (the target is computed only when the attempt is refused). */
  action: string;
  target: string | (() => Promise<string>);
  /** What the person tried, as the refusal says it: "You may not <what>: …". */
  what: string;
  /** The audit entry's detail. */
  detail?: string;
  /** Acknowledges the request before the attempt is logged (a modal's submission: closes it, with no answer). */
  ack?: () => Promise<void>;
  /** Answers the person with the refusal, after the attempt is logged. */
  reply?: (refusal: string) => Promise<void>;
  /** Notes the refusal in the finding's thread. */
  note?: (text: string) => Promise<void>;
}

/** The attempt a request makes, or undefined when it needs no approver. */
export type AttemptOf<Args> = (args: Args & AllMiddlewareArgs) => ApproverAttempt | undefined;

export type ApproverContext = Pick<ListenerContext, 'config' | 'recordTrail' | 'isApprover'>;

/** Listener middleware: the request goes on to the listener only from an approver (or when it needs none). */
export function approversOnly<Args>(ctx: ApproverContext, attemptOf: AttemptOf<Args>): Middleware<Args> {
  return async (args) => {
    const attempt = attemptOf(args);
    if (!attempt || (await ctx.isApprover(attempt.user, args.client))) return args.next();
    await attempt.ack?.();
    const target = typeof attempt.target === 'string' ? attempt.target : await attempt.target();
    await ctx.recordTrail(attempt.user, attempt.action, target, 'refused: not an approver', attempt.detail);
    await attempt.reply?.(refusalText(attempt.what, ctx.config));
    await attempt.note?.(`:no_entry: <@${attempt.user}> tried to ${attempt.what}: refused, not an approver.`);
  };
}

/** What a button needs an approver for: the audit entry's action, the refusal's wording, the target it names. */
export interface ButtonApproval {
  action: string;
  what: string;
  target: (payload: ButtonPayload) => string;
}

/** The approver check for a button (after `buttonClick`): an ephemeral refusal and a note in the finding's thread. */
export function approverForButton(
  ctx: ApproverContext,
  approval: ButtonApproval,
): Middleware<SlackActionMiddlewareArgs<BlockButtonAction>> {
  return approversOnly<SlackActionMiddlewareArgs<BlockButtonAction>>(ctx, (args) => {
    const click = buttonClickOf(args.context);
    return {
      user: click.user,
      action: approval.action,
      target: approval.target(click.payload),
      what: approval.what,
      reply: async (refusal) => {
        await ephemeral(args.respond, refusal);
      },
      note: click.note,
    };
  });
}
