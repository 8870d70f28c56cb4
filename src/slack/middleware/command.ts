import type { AllMiddlewareArgs, Context, Middleware, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseCommand, usage } from '../commands.ts';
import type { WardenCommand } from '../commands.ts';
import { CLAIM_TTL_SECONDS } from '../listeners/context.ts';
import type { ListenerContext } from '../listeners/context.ts';

// `/warden` goes through this before its listener: the usage is answered here (`help`, or text that does
// not parse), a delivery that acts is claimed (a retried one is answered with the interim line and stops
// here), and the parsed command is put in Bolt's `context` for the middleware and the listener after it.

export type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** The commands past this middleware: every one but `help`. */
export type ParsedCommand = Exclude<WardenCommand, { kind: 'help' }>;

/** The commands that act (queue a job, end a suppression), each with what it answers while it works. */
export const INTERIM: Record<Exclude<ParsedCommand['kind'], 'suppressions'>, string> = {
  audit: 'Auditing… the findings will follow here.',
  findings: 'Looking up the findings…',
  show: 'Reading the group…',
  fix: 'Planning a fix…',
  suppress: 'Requesting the suppression…',
  unsuppress: 'Ending the suppression…',
};

const KEY = 'wardenCommand';

/** The command the command middleware parsed; a listener registered without it is a wiring mistake. */
export function parsedCommandOf(context: Context): ParsedCommand {
  const command = context[KEY] as ParsedCommand | undefined;
  if (!command) throw new Error('no parsed command in the context: register the listener after parsedCommand()');
  return command;
}

/** The delivery id `/warden` claims (a trigger id is one per invocation). */
export const commandRequestId = (args: CommandArgs): string => `command:${args.command.trigger_id}`;

export function parsedCommand(ctx: ListenerContext): Middleware<SlackCommandMiddlewareArgs> {
  return async (args) => {
    const parsed = parseCommand(args.command.text ?? '');
    if (!parsed.ok || parsed.command.kind === 'help') {
      await args.ack();
      await args.respond({ response_type: 'ephemeral', text: parsed.ok ? usage() : parsed.usage });
      return;
    }
    const command = parsed.command;
    if (
      command.kind !== 'suppressions' &&
      !(await ctx.store.idempotency.claim(commandRequestId(args), CLAIM_TTL_SECONDS, ctx.now()))
    ) {
      // A retried delivery of a command already acted on.
      await args.ack({ response_type: 'ephemeral', text: INTERIM[command.kind] });
      return;
    }
    args.context[KEY] = command;
    await args.next();
  };
}
