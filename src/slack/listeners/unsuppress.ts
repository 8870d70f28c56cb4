import type { ParsedCommand } from '../middleware/command.ts';
import { activeSuppressionOf, revokeSuppression, targetKey } from '../suppressions.ts';
import { errorText } from '../../lib/errors.ts';
import type { ListenerContext } from './context.ts';

// `/warden unsuppress <finding|check>` (approvers only; the command listener answers with what this returns).

type Unsuppress = Extract<ParsedCommand, { kind: 'unsuppress' }>;

/** The target the audit trail names: the whole fingerprint when the prefix names an active suppression. */
export async function unsuppressTarget(ctx: ListenerContext, cmd: Unsuppress): Promise<string> {
  const found = activeSuppressionOf(cmd.target, await ctx.store.suppressions.activeSuppressions(ctx.now()));
  return targetKey('suppression' in found ? found.suppression.target : cmd.target);
}

/** Ends the suppression `cmd` names; the answer for the person. */
export async function unsuppress(
  ctx: ListenerContext,
  cmd: Unsuppress,
  user: string,
  channel: string,
): Promise<string> {
  const { store, now, recordTrail, client } = ctx;
  const named = await unsuppressTarget(ctx, cmd);
  const result = await revokeSuppression(store, cmd.target, user, now());
  await recordTrail(
    user,
    'unsuppress',
    result.revoked ? targetKey(result.revoked.target) : named,
    result.refused ? `refused: ${result.refused}` : 'ok',
    result.revoked
      ? `was ${result.revoked.kind ?? 'suppress'} by ${result.revoked.by} until ${result.revoked.until}: ${result.revoked.reason}`
      : undefined,
  );
  if (result.revoked && result.notice) {
    const fingerprint = 'fingerprint' in result.revoked.target ? result.revoked.target.fingerprint : undefined;
    // A finding's notice goes in its thread; a check's, in the channel the command came from.
    await ctx.threadNote(client, fingerprint, undefined, result.notice);
    if (!fingerprint && channel)
      await client.chat
        .postMessage({ channel, text: result.notice })
        .catch((error: unknown) => console.error(`warden: unsuppress notice not posted: ${errorText(error)}`));
  }
  return result.reply;
}
