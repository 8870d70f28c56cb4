import { SNOOZE_DAYS } from '../actions.ts';
import type { ButtonApproval } from '../middleware/approvers.ts';
import { buttonClickOf } from '../middleware/button.ts';
import type { ButtonArgs } from '../middleware/button.ts';
import { ephemeral } from './context.ts';
import type { ListenerContext } from './context.ts';

// The Snooze button on a finding: hidden for SNOOZE_DAYS. Snoozing hides exposure: approvers only, unless
// the config opens it to everyone in the channels (`slack.snooze: anyone`).

export const snoozeApproval: ButtonApproval = {
  action: 'snooze',
  what: 'snooze this finding',
  target: (payload) => payload.fingerprint as string,
};

export function snoozeListener(ctx: ListenerContext) {
  const { store, now, recordTrail } = ctx;
  return async (args: ButtonArgs): Promise<void> => {
    const { payload, user, note } = buttonClickOf(args.context);
    const fingerprint = payload.fingerprint as string;
    const until = new Date(now().getTime() + SNOOZE_DAYS * 86_400_000);
    await store.suppressions.suppress({
      target: { fingerprint },
      kind: 'snooze',
      by: user,
      reason: `snoozed for ${SNOOZE_DAYS} days`,
      until,
      now: now(),
    });
    await recordTrail(user, 'snooze', fingerprint, 'ok', `until ${until.toISOString()}`);
    await ephemeral(args.respond, `Snoozed until ${until.toISOString().slice(0, 10)}.`);
    await note(`:zzz: <@${user}> snoozed this finding until ${until.toISOString().slice(0, 10)}.`);
  };
}
