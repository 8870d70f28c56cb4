import { ENDED_APPROVAL_STATUSES, revertRequestId } from '../../store/state.ts';
import type { ButtonApproval } from '../middleware/approvers.ts';
import { buttonClickOf } from '../middleware/button.ts';
import type { ButtonArgs } from '../middleware/button.ts';
import type { JobKind } from '../queue.ts';
import { ephemeral } from './context.ts';
import type { ListenerContext } from './context.ts';

// The Revert button on an applied change (approvers only), approved as the fix was: each approver's click
// is one approval, and under the two-person rule the person who asked for the fix cannot approve undoing
// it alone either.

export const revertApproval: ButtonApproval = {
  action: 'revert',
  what: 'revert this change',
  target: (payload) => payload.changeId as string,
};

export function revertListener(ctx: ListenerContext) {
  const { store, queue, now, recordTrail, slack } = ctx;
  return async (args: ButtonArgs): Promise<void> => {
    const { payload, user, channel, requestId, note } = buttonClickOf(args.context);
    const changeId = payload.changeId as string;
    const change = await store.changes.get(changeId);
    if (!change || change.kind !== 'apply') {
      await recordTrail(user, 'revert', changeId, 'refused: unknown change');
      await ephemeral(args.respond, 'Not reverted: Warden has no applied change of this id.');
      return;
    }
    const fix = await store.approvals.get(change.plan.id);
    if (!fix) {
      await recordTrail(user, 'revert', changeId, 'refused: no approval for the fix');
      await ephemeral(args.respond, 'Not reverted: Warden has no approval record for this fix.');
      return;
    }
    const id = revertRequestId(changeId);
    const existing = await store.approvals.get(id);
    if (!existing || ENDED_APPROVAL_STATUSES.includes(existing.status)) {
      await store.approvals.requestApproval({
        id,
        planId: fix.planId,
        fingerprint: fix.fingerprint,
        requester: fix.requester,
        required: Math.max(fix.required, slack.requiredApprovals),
        requesterMayApprove: !slack.twoPersonRule,
        now: now(),
      });
    }
    const result = await store.approvals.approve({ id, approver: user, now: now() });
    if (result.outcome === 'refused') {
      await recordTrail(user, 'revert', changeId, `refused: ${result.reason ?? 'unknown'}`);
      const why =
        result.reason === 'duplicate'
          ? 'you approved this revert already; approvals are counted per person'
          : result.reason === 'requester'
            ? 'you asked for this fix, and the two-person rule needs someone else to approve undoing it'
            : `its revert is ${result.status ?? 'gone'} already`;
      await ephemeral(args.respond, `Not reverted: ${why}.`);
      return;
    }
    if (result.outcome === 'recorded') {
      await recordTrail(user, 'revert', changeId, `ok: recorded ${result.approvals.length}/${result.required}`);
      await ephemeral(
        args.respond,
        `Revert approval recorded: ${result.approvals.length} of ${result.required} needed.`,
      );
      await note(
        `:ballot_box_with_check: <@${user}> approved reverting change \`${changeId}\` (${result.approvals.length} of ${result.required} approvals).`,
      );
      return;
    }
    await recordTrail(user, 'revert', changeId, 'queued');
    await queue.enqueue({
      kind: 'revert' satisfies JobKind,
      args: { changeId, fingerprint: payload.fingerprint },
      user,
      channel,
      responseUrl: args.body.response_url,
      requestId,
    });
    await ephemeral(args.respond, 'Reverting…');
    await note(`:leftwards_arrow_with_hook: <@${user}> asked to revert change \`${changeId}\`: reverting.`);
  };
}
