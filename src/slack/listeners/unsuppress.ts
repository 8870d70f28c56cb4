import type { ParsedCommand } from '../middleware/command.ts';
import { targetKey, unsuppressFinding, unsuppressTarget } from '../../app/unsuppress-finding.ts';
import { unsuppressTexts } from '../suppressions.ts';
import { errorText } from '../../lib/errors.ts';
import type { ListenerContext } from './context.ts';

// `/warden unsuppress <finding|check>` (approvers only; the command listener answers with what this returns).

type Unsuppress = Extract<ParsedCommand, { kind: 'unsuppress' }>;

/** Ends the suppression `cmd` names; the answer for the person. */
export async function unsuppress(
  ctx: ListenerContext,
  cmd: Unsuppress,
  user: string,
  channel: string,
): Promise<string> {
  const { recordTrail, client } = ctx;
  const named = await unsuppressTarget(ctx, cmd.target);
  const outcome = await unsuppressFinding(ctx, cmd.target, user);
  const revoked = 'revoked' in outcome ? outcome.revoked : undefined;
  const { reply, refused, notice } = unsuppressTexts(outcome, user);
  await recordTrail(
    user,
    'unsuppress',
    revoked ? targetKey(revoked.target) : named,
    refused !== undefined ? `refused: ${refused}` : 'ok',
    revoked
      ? `was ${revoked.kind ?? 'suppress'} by ${revoked.by} until ${revoked.until}: ${revoked.reason}`
      : undefined,
  );
  if (revoked && notice) {
    const fingerprint = 'fingerprint' in revoked.target ? revoked.target.fingerprint : undefined;
    // A finding's notice goes in its thread; a check's, in the channel the command came from.
    await ctx.threadNote(client, fingerprint, undefined, notice);
    if (!fingerprint && channel)
      await client.chat
        .postMessage({ channel, text: notice })
        .catch((error: unknown) => console.error(`warden: unsuppress notice not posted: ${errorText(error)}`));
  }
  return reply;
}
