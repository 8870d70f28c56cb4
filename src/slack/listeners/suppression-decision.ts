import { ACTION_IDS } from '../actions.ts';
import type { ButtonApproval } from '../middleware/approvers.ts';
import { buttonClickOf } from '../middleware/button.ts';
import type { ButtonArgs } from '../middleware/button.ts';
import { ephemeral } from './context.ts';
import type { ListenerContext } from './context.ts';

// The Approve and Reject buttons on a suppression request (src/slack/suppression-requests.ts; approvers
// only). The message they are on is the request's.

export type SuppressionVerb = 'approve' | 'reject';

export const SUPPRESSION_DECISION_ACTIONS = {
  approve: ACTION_IDS.approveSuppression,
  reject: ACTION_IDS.rejectSuppression,
} as const;

export const suppressionDecisionApproval = (verb: SuppressionVerb): ButtonApproval => ({
  action: `${verb}-suppression`,
  what: `${verb} this suppression`,
  target: (payload) => payload.suppressionRequestId as string,
});

export function suppressionDecisionListener(ctx: ListenerContext, verb: SuppressionVerb) {
  const decide = ctx.suppressionRequests[verb];
  return async (args: ButtonArgs): Promise<void> => {
    const { payload, user, message, note } = buttonClickOf(args.context);
    const answer = await decide({ id: payload.suppressionRequestId as string, user, ...(message ? { message } : {}) });
    await ephemeral(args.respond, answer.reply);
    if (answer.note) await note(answer.note);
  };
}
