import type { ButtonApproval } from '../middleware/approvers.ts';
import { buttonClickOf } from '../middleware/button.ts';
import type { ButtonArgs } from '../middleware/button.ts';
import { ephemeral } from './context.ts';
import type { ListenerContext } from './context.ts';

// The Approve button on a proposed fix (approvers only): one approval; the last one needed queues the apply.

export const approveApproval: ButtonApproval = {
  action: 'approve',
  what: 'approve this fix',
  target: (payload) => payload.planId as string,
};

export function approveListener(ctx: ListenerContext) {
  const { store, queue, now, recordTrail } = ctx;
  return async (args: ButtonArgs): Promise<void> => {
    const { payload, user, channel, requestId, note } = buttonClickOf(args.context);
    const planId = payload.planId as string;
    const fingerprint = payload.fingerprint as string;
    // The approval request is made (by the worker) under the plan's id when the plan is posted.
    const result = await store.approvals.approve({ id: planId, approver: user, now: now() });
    if (result.outcome === 'refused') {
      const why: Record<string, string> = {
        requester: 'you asked for this fix, and the two-person rule needs someone else to approve it',
        duplicate: 'you already approved it; approvals are counted per person',
        'not-pending':
          result.status === 'rejected'
            ? 'it was rejected; run `/warden fix` to propose it again'
            : result.status === 'superseded'
              ? 'superseded: a newer plan for this finding was proposed, approve that one'
              : `it is no longer pending (it is ${result.status ?? 'gone'})`,
        'not-found': 'there is no open request for this plan (run `/warden fix` again)',
      };
      await recordTrail(user, 'approve', planId, `refused: ${result.reason ?? 'unknown'}`);
      await ephemeral(args.respond, `Not approved: ${why[result.reason ?? ''] ?? 'refused'}.`);
      if (result.reason === 'requester')
        await note(`:no_entry: <@${user}> tried to approve their own request: refused (two-person rule).`);
      return;
    }
    if (result.outcome === 'recorded') {
      await recordTrail(user, 'approve', planId, `ok: recorded ${result.approvals.length}/${result.required}`);
      await ephemeral(args.respond, `Approval recorded: ${result.approvals.length} of ${result.required} needed.`);
      await note(
        `:ballot_box_with_check: <@${user}> approved the fix (${result.approvals.length} of ${result.required} approvals).`,
      );
      return;
    }
    await recordTrail(user, 'approve', planId, 'ok: approved');
    await queue.enqueue({
      kind: 'apply',
      args: { fingerprint, planId },
      user,
      channel,
      responseUrl: args.body.response_url,
      requestId,
    });
    await ephemeral(args.respond, 'Approved: applying…');
    await note(
      `:white_check_mark: <@${user}> approved the fix${result.required > 1 ? ` (${result.required} of ${result.required} approvals)` : ''}: applying.`,
    );
  };
}
