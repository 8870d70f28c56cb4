import type { ApprovalRequest, SuppressionRequestPayload } from '../../model/approval.ts';
import { ACTION_IDS, encodeButtonValue } from '../actions.ts';
import { actions, button, code, context, fallbackText, plural, section, userText } from './elements.ts';
import type { KnownBlock, SlackMessage } from './elements.ts';

// The message a suppression request (Accept risk, `/warden suppress`) is posted as, in the finding's thread or the
// channel: what it would hide, why, until when, how many approvals it needs, and Approve/Reject while it is pending.

export type SuppressionRequest = ApprovalRequest & { suppression: SuppressionRequestPayload };

/** "accept the risk of finding `…`", "suppress finding `…`", "suppress check `…` everywhere". */
export function suppressionWhat(suppression: SuppressionRequestPayload): string {
  const { target } = suppression;
  if ('check' in target) return `suppress check ${code(target.check, 80)} everywhere`;
  return `${suppression.kind === 'accept-risk' ? 'accept the risk of' : 'suppress'} finding ${code(target.fingerprint, 80)}`;
}

/** `2030-03-01 23:59 UTC` */
export function untilText(until: string): string {
  return `${until.slice(0, 16).replace('T', ' ')} UTC`;
}

function summary(request: SuppressionRequest): KnownBlock {
  const { suppression } = request;
  return section(
    `<@${request.requester}> asks to *${suppressionWhat(suppression)}* until *${untilText(suppression.until)}*.\n*Reason*: ${userText(suppression.reason, 1500)}`,
  );
}

/** The request while pending: its summary, what it needs, and Approve / Reject. */
export function suppressionRequestMessage(request: SuppressionRequest): SlackMessage {
  const twoPerson = request.requesterMayApprove ? '' : ', not the requester (two-person rule)';
  const ids = { suppressionRequestId: request.id };
  return {
    text: fallbackText(
      `Suppression request: ${request.requester} asks to ${suppressionWhat(request.suppression)} until ${untilText(request.suppression.until)}`,
    ),
    blocks: [
      summary(request),
      context([
        `:hourglass_flowing_sand: Needs ${plural(request.required, 'approval')} from Warden's approvers${twoPerson}. Until then nothing is hidden: the finding stays open and reported. Request ${code(request.id, 80)}`,
      ]),
      actions(`warden_suppression_${request.id}`, [
        button({
          text: 'Approve',
          actionId: ACTION_IDS.approveSuppression,
          value: encodeButtonValue({ action: ACTION_IDS.approveSuppression, ...ids }),
          style: 'primary',
        }),
        button({
          text: 'Reject',
          actionId: ACTION_IDS.rejectSuppression,
          value: encodeButtonValue({ action: ACTION_IDS.rejectSuppression, ...ids }),
          style: 'danger',
        }),
      ]),
    ],
  };
}

/**
 * For chat.update once the request ended (suppressed, rejected, expired): its summary and `outcome` (Warden's own
 * mrkdwn, mentions included), no buttons.
 */
export function suppressionRequestOutcome(request: SuppressionRequest, outcome: string): SlackMessage {
  return {
    text: fallbackText(
      `Suppression request ${request.id} (${request.status}): ${suppressionWhat(request.suppression)}`,
    ),
    blocks: [summary(request), context([`${outcome} · Request ${code(request.id, 80)}`])],
  };
}
