import type { ButtonApproval } from '../middleware/approvers.ts';
import { buttonClickOf } from '../middleware/button.ts';
import type { ButtonArgs } from '../middleware/button.ts';
import { ephemeral } from './context.ts';
import type { ListenerContext } from './context.ts';

// The Reject button on a proposed fix (approvers only): the plan will not be applied unless proposed again.

export const rejectApproval: ButtonApproval = {
  action: 'reject',
  what: 'reject this fix',
  target: (payload) => payload.planId ?? (payload.fingerprint as string),
};

export function rejectListener(ctx: ListenerContext) {
  const { store, now, recordTrail } = ctx;
  return async (args: ButtonArgs): Promise<void> => {
    const { payload, user, note } = buttonClickOf(args.context);
    const target = rejectApproval.target(payload);
    if (payload.planId) {
      const result = await store.approvals.reject({ id: payload.planId, by: user, now: now() });
      if (result.outcome === 'refused') {
        await recordTrail(user, 'reject', target, `refused: ${result.status ?? 'not-found'}`);
        await ephemeral(
          args.respond,
          `Not rejected: ${result.status ? `the fix is ${result.status} already` : 'there is no open request for this plan'}.`,
        );
        return;
      }
    }
    await recordTrail(user, 'reject', target, 'ok');
    await ephemeral(args.respond, 'Rejected: this plan will not be applied unless it is proposed again.');
    await note(`:x: <@${user}> rejected the proposed fix; nothing will be applied unless it is proposed again.`);
  };
}
