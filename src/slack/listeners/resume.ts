import type { ButtonApproval } from '../middleware/approvers.ts';
import { buttonClickOf } from '../middleware/button.ts';
import type { ButtonArgs } from '../middleware/button.ts';
import { ephemeral } from './context.ts';
import type { ListenerContext } from './context.ts';

// The Resume button on an interrupted fix (approvers only). It needs no new approvals: the fix was
// approved; the worker resumes it only when its apply is stuck.

export const resumeApproval: ButtonApproval = {
  action: 'resume',
  what: 'resume this fix',
  target: (payload) => payload.planId as string,
};

export function resumeListener(ctx: ListenerContext) {
  const { queue, recordTrail } = ctx;
  return async (args: ButtonArgs): Promise<void> => {
    const { payload, user, channel, requestId, note } = buttonClickOf(args.context);
    const planId = payload.planId as string;
    await recordTrail(user, 'resume', planId, 'queued');
    await queue.enqueue({
      kind: 'apply',
      args: { fingerprint: payload.fingerprint, planId },
      user,
      channel,
      responseUrl: args.body.response_url,
      requestId,
    });
    await ephemeral(args.respond, 'Resuming…');
    await note(`:arrow_forward: <@${user}> asked to resume the interrupted fix: resuming.`);
  };
}
