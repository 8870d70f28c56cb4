import { detailsModal } from '../blocks.ts';
import { buttonClickOf } from '../middleware/button.ts';
import type { ButtonArgs } from '../middleware/button.ts';
import { ephemeral } from './context.ts';
import type { ListenerContext } from './context.ts';

// The Details button on a finding (anyone who may read): opens a modal with the finding in full.

export function detailsListener(ctx: ListenerContext) {
  return async (args: ButtonArgs): Promise<void> => {
    const { payload } = buttonClickOf(args.context);
    const state = await ctx.store.findings.get(payload.fingerprint as string);
    if (!state) {
      await ephemeral(args.respond, 'Warden does not know this finding any more.');
      return;
    }
    await args.client.views.open({ trigger_id: args.body.trigger_id, view: detailsModal(state.finding) });
  };
}
