import type { WardenJob } from '../queue.ts';
import type { ApproverAttempt } from '../middleware/approvers.ts';
import { commandRequestId, INTERIM, parsedCommandOf } from '../middleware/command.ts';
import type { CommandArgs, ParsedCommand } from '../middleware/command.ts';
import { listSuppressions } from '../../app/list-suppressions.ts';
import { unsuppressTarget } from '../../app/unsuppress-finding.ts';
import { LISTED, suppressionsText } from '../suppressions.ts';
import type { ListenerContext } from './context.ts';
import { unsuppress } from './unsuppress.ts';

// `/warden` after its middleware (readers, parsing, the claim, approvers): `suppressions` and `unsuppress`
// are answered here from the store; every other command is logged, queued for the worker, and answered
// with its interim line.

type Queued = Exclude<ParsedCommand, { kind: 'suppressions' | 'unsuppress' }>;

function commandArgs(command: Queued): WardenJob['args'] {
  switch (command.kind) {
    case 'audit':
      return { ...(command.scope ?? {}) };
    case 'findings':
      return { ...(command.filter ?? {}) };
    case 'show':
      return { groupId: command.groupId };
    case 'fix':
      return { fingerprint: command.fingerprint };
    case 'suppress':
      return { ...command.target, durationSeconds: command.durationSeconds, reason: command.reason };
  }
}

function describeTarget(command: Queued): string {
  const args = commandArgs(command);
  const values = Object.values(args).filter((v) => v !== undefined && typeof v === 'string');
  return values[0] === undefined ? '*' : String(values[0]);
}

/** The commands only approvers may run: `/warden suppress` (answered after the acknowledgement) and `/warden unsuppress` (in it). */
export function commandApproval(ctx: ListenerContext) {
  return (args: CommandArgs): ApproverAttempt | undefined => {
    const cmd = parsedCommandOf(args.context);
    const user = args.command.user_id;
    if (cmd.kind === 'suppress') {
      return {
        user,
        action: 'suppress',
        target: describeTarget(cmd),
        what: 'suppress findings',
        detail: args.command.text,
        reply: async (refusal) => {
          await args.ack();
          await args.respond({ response_type: 'ephemeral', text: refusal });
        },
      };
    }
    if (cmd.kind === 'unsuppress') {
      return {
        user,
        action: 'unsuppress',
        target: () => unsuppressTarget(ctx, cmd.target),
        what: 'end suppressions',
        reply: (refusal) => args.ack({ response_type: 'ephemeral', text: refusal }),
      };
    }
    return undefined;
  };
}

export function commandListener(ctx: ListenerContext) {
  const { queue, recordTrail } = ctx;
  return async (args: CommandArgs): Promise<void> => {
    const { command, ack } = args;
    const cmd = parsedCommandOf(args.context);
    if (cmd.kind === 'suppressions') {
      await recordTrail(command.user_id, 'command:suppressions', '*', 'ok');
      const { total, shown } = await listSuppressions(ctx, LISTED);
      await ack({ response_type: 'ephemeral', text: suppressionsText(total, shown) });
      return;
    }
    if (cmd.kind === 'unsuppress') {
      await ack({ response_type: 'ephemeral', text: await unsuppress(ctx, cmd, command.user_id, command.channel_id) });
      return;
    }
    await recordTrail(command.user_id, `command:${cmd.kind}`, describeTarget(cmd), 'queued', command.text);
    await queue.enqueue({
      kind: cmd.kind,
      args: commandArgs(cmd),
      user: command.user_id,
      channel: command.channel_id,
      responseUrl: command.response_url,
      requestId: commandRequestId(args),
    });
    await ack({ response_type: 'ephemeral', text: INTERIM[cmd.kind] });
  };
}
