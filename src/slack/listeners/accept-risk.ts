import { acceptRiskModal } from '../blocks.ts';
import type { ButtonApproval } from '../middleware/approvers.ts';
import { buttonClickOf } from '../middleware/button.ts';
import type { ButtonArgs } from '../middleware/button.ts';
import { ephemeral } from './context.ts';
import type { ListenerContext } from './context.ts';

// The Accept risk button on a finding (approvers only): opens the modal that asks for a reason and an
// expiry (its submission: accept-risk-submission.ts).

export const acceptRiskApproval: ButtonApproval = {
  action: 'accept-risk',
  what: 'accept this risk',
  target: (payload) => payload.fingerprint as string,
};

export function acceptRiskListener(ctx: ListenerContext) {
  const { store, now, recordTrail } = ctx;
  return async (args: ButtonArgs): Promise<void> => {
    const { payload, user } = buttonClickOf(args.context);
    const fingerprint = payload.fingerprint as string;
    const state = await store.findings.get(fingerprint);
    if (!state) {
      await recordTrail(user, 'accept-risk', fingerprint, 'refused: unknown finding');
      await ephemeral(args.respond, 'Warden does not know this finding any more; nothing was done.');
      return;
    }
    await recordTrail(user, 'accept-risk', fingerprint, 'opened');
    await args.client.views.open({
      trigger_id: args.body.trigger_id,
      view: acceptRiskModal(state.finding, { now: now() }),
    });
  };
}
