import type { AllMiddlewareArgs, Context, Middleware, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { ACCEPT_RISK_INPUTS, ACTION_IDS, parseButtonValue } from '../actions.ts';
import { MAX_SUPPRESS_DAYS } from '../commands.ts';
import type { ApproverAttempt } from '../middleware/approvers.ts';
import { errorText } from '../../lib/errors.ts';
import type { ListenerContext } from './context.ts';

// The accept-risk modal's submission (approvers only): nothing is suppressed yet; the request waits in
// the finding's thread for the approvals it needs (src/slack/suppression-requests.ts).

export type SubmissionArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

const KEY = 'wardenAcceptRisk';

function fingerprintOf(context: Context): string {
  const fingerprint = context[KEY] as string | undefined;
  if (fingerprint === undefined)
    throw new Error('no finding in the context: register the listener after acceptRiskFinding()');
  return fingerprint;
}

/** Middleware: the finding the modal was opened for (its private_metadata); a modal Warden did not make is refused. */
export function acceptRiskFinding(ctx: ListenerContext): Middleware<SlackViewMiddlewareArgs<ViewSubmitAction>> {
  return async (args) => {
    try {
      args.context[KEY] = parseButtonValue(args.view.private_metadata, ACTION_IDS.acceptRisk).fingerprint as string;
    } catch {
      await args.ack();
      await ctx.recordTrail(args.body.user.id, 'accept-risk', '-', 'refused: bad private_metadata');
      return;
    }
    await args.next();
  };
}

/** Only approvers accept risk: anyone else's submission closes the modal and is logged. */
export function acceptRiskSubmissionApproval(args: SubmissionArgs): ApproverAttempt {
  return {
    user: args.body.user.id,
    action: 'accept-risk',
    target: fingerprintOf(args.context),
    what: 'accept this risk',
    ack: () => args.ack(),
  };
}

export function acceptRiskSubmissionListener(ctx: ListenerContext) {
  const { store, now, recordTrail, slack, suppressionRequests } = ctx;
  return async ({ ack, body, view, context }: SubmissionArgs): Promise<void> => {
    const user = body.user.id;
    const fingerprint = fingerprintOf(context);
    const values = view.state.values;
    const reason = values[ACCEPT_RISK_INPUTS.reasonBlock]?.[ACCEPT_RISK_INPUTS.reasonAction]?.value?.trim() ?? '';
    const date = values[ACCEPT_RISK_INPUTS.expiryBlock]?.[ACCEPT_RISK_INPUTS.expiryAction]?.selected_date ?? '';
    const until = /^\d{4}-\d{2}-\d{2}$/.test(date) ? new Date(`${date}T23:59:59Z`) : undefined;
    const errors: Record<string, string> = {};
    if (reason.length < 10) errors[ACCEPT_RISK_INPUTS.reasonBlock] = 'Give a reason (at least 10 characters).';
    if (!until || until.getTime() <= now().getTime())
      errors[ACCEPT_RISK_INPUTS.expiryBlock] = 'Pick a date in the future.';
    // The same ceiling as `/warden suppress`: an accepted risk is looked at again at least once a year.
    else if (until.getTime() > now().getTime() + (MAX_SUPPRESS_DAYS + 1) * 86_400_000)
      errors[ACCEPT_RISK_INPUTS.expiryBlock] = `Pick a date at most ${MAX_SUPPRESS_DAYS} days ahead.`;
    if (Object.keys(errors).length > 0) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    const posted = (await store.findings.get(fingerprint))?.message;
    const where = posted
      ? { channel: posted.channel, threadTs: posted.ts }
      : slack.channel
        ? { channel: slack.channel }
        : undefined;
    if (!where) {
      await ack({
        response_action: 'errors',
        errors: {
          [ACCEPT_RISK_INPUTS.reasonBlock]: 'Warden has no channel to post the request in (slack.channel is not set).',
        },
      });
      return;
    }
    const asked = {
      kind: 'accept-risk' as const,
      target: { fingerprint },
      reason,
      until: (until as Date).toISOString(),
    };
    try {
      await suppressionRequests.request({ payload: asked, requester: user, origin: `view:${view.id}`, where });
    } catch (error) {
      await recordTrail(user, 'accept-risk', fingerprint, 'failed: request not posted', errorText(error));
      await ack({
        response_action: 'errors',
        errors: {
          [ACCEPT_RISK_INPUTS.reasonBlock]:
            'Warden could not post the request for approval; nothing was suppressed. Try again.',
        },
      });
      return;
    }
    await ack();
  };
}
