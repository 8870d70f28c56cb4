import type { WardenConfig } from '../config/schema.ts';
import { hashId } from '../model/ids.ts';
import type { ApprovalRequest, SuppressionRequestPayload } from '../model/approval.ts';
import type { SuppressionTarget } from '../model/suppression.ts';
import type { MessageRef, StateStore } from '../store/state.ts';
import { slackConfigOf } from './authorize.ts';
import {
  suppressionRequestMessage,
  suppressionRequestOutcome,
  suppressionWhat,
  untilText,
} from './blocks/suppression-request.ts';
import type { SuppressionRequest } from './blocks/suppression-request.ts';
import { code, plural, userText } from './blocks/elements.ts';
import type { SlackChatClient } from './notifier.ts';

// Accept risk and `/warden suppress` hide exposure, so they are approved as a fix is: each makes a suppression
// request in the approval store (src/store/state.ts ApprovalStore), posted with Approve/Reject in the finding's
// thread (or the channel, for a check). Nothing is suppressed while it is pending; the click that completes it
// claims it (approved → applying) and creates the suppression exactly once.
//
// A request's id is derived from the person's one action (the Slack delivery: a command's trigger, a modal's view)
// and its content, so a retried delivery finds the request it made, and what approvers approve never changes under
// the id they clicked: asking again, with another reason or end, is a new request with its own approvals.

export function suppressionApprovalsOf(config: WardenConfig): { required: number; requesterMayApprove: boolean } {
  const slack = slackConfigOf(config);
  const own = slack.suppressionApprovals;
  return {
    required: own.required ?? slack.requiredApprovals,
    requesterMayApprove: !(own.twoPersonRule ?? slack.twoPersonRule),
  };
}

/** A finding's fingerprint, or `check:<id>` for a check: the request's `fingerprint` and its audit target. */
export function suppressionTargetLabel(target: SuppressionTarget): string {
  return 'fingerprint' in target ? target.fingerprint : `check:${target.check}`;
}

export function suppressionRequestId(origin: string, requester: string, payload: SuppressionRequestPayload): string {
  return `suppress-${hashId([origin, requester, payload.kind, suppressionTargetLabel(payload.target), payload.reason, payload.until])}`;
}

/** What the clicker is told (ephemeral), and the line for the finding's thread and the request message, if any. */
export interface SuppressionAnswer {
  reply: string;
  note?: string;
}

export interface SuppressionRequests {
  /**
   * Records a pending request and posts it at `where`. A retried delivery (same origin and content) finds the
   * request it made, and posts it again while it is pending (the first post may be what failed); `posted` is false
   * when it ended already. `reply` tells the requester what happens next.
   */
  request(input: {
    payload: SuppressionRequestPayload;
    requester: string;
    origin: string;
    where: { channel: string; threadTs?: string };
  }): Promise<{ request: ApprovalRequest; posted: boolean; reply: string }>;
  /** One approver's Approve (the caller checked they are one); `message`: the request's message, updated when it ends. */
  approve(input: { id: string; user: string; message?: MessageRef }): Promise<SuppressionAnswer>;
  /** An approver's Reject: binding, the request never suppresses anything afterwards. */
  reject(input: { id: string; user: string; message?: MessageRef }): Promise<SuppressionAnswer>;
}

function isSuppressionRequest(request: ApprovalRequest | undefined): request is SuppressionRequest {
  return request?.suppression !== undefined;
}

export function createSuppressionRequests(deps: {
  config: WardenConfig;
  store: StateStore;
  client: SlackChatClient;
  now: () => Date;
}): SuppressionRequests {
  const { config, store, client, now } = deps;

  async function log(actor: string, action: string, target: string, outcome: string, detail?: string): Promise<void> {
    await store.trail.log({ at: now(), actor, action, target, outcome, ...(detail !== undefined ? { detail } : {}) });
  }

  /** Best effort: the request's state is in the store; a stale message only shows buttons that answer so. */
  async function updateMessage(
    message: MessageRef | undefined,
    request: SuppressionRequest,
    outcome: string,
  ): Promise<void> {
    if (!message?.channel || !message.ts) return;
    try {
      await client.chat.update({
        channel: message.channel,
        ts: message.ts,
        ...suppressionRequestOutcome(request, outcome),
      });
    } catch (error) {
      console.error(`warden: suppression request message not updated: ${(error as Error).message.split('\n')[0]}`);
    }
  }

  function expired(request: SuppressionRequest): boolean {
    return Date.parse(request.suppression.until) <= now().getTime();
  }

  async function refuseExpired(
    request: SuppressionRequest,
    approver: string,
    message: MessageRef | undefined,
  ): Promise<SuppressionAnswer> {
    await log(approver, 'approve-suppression', request.id, 'refused: its end has passed', request.suppression.until);
    await updateMessage(
      message,
      request,
      `:hourglass: Ended ${untilText(request.suppression.until)} before it was approved: nothing was suppressed.`,
    );
    return {
      reply: `Not approved: the suppression it asks for would have ended ${untilText(request.suppression.until)}; ask again with a later end.`,
    };
  }

  /** The approval that completed `request`: claims it, creates the suppression once, ends it applied (or failed). */
  async function complete(
    request: SuppressionRequest,
    approver: string,
    approvers: string[],
    message: MessageRef | undefined,
  ): Promise<SuppressionAnswer> {
    const id = request.id;
    if (!(await store.approvals.transition({ id, from: 'approved', to: 'applying', now: now() }))) {
      return { reply: 'Approved: the suppression is being made already.' };
    }
    const { suppression } = request;
    let made = false;
    try {
      if (expired(request)) return await refuseExpired(request, approver, message);
      await store.suppressions.suppress({
        target: suppression.target,
        kind: suppression.kind,
        by: request.requester,
        reason: suppression.reason,
        until: new Date(suppression.until),
        now: now(),
      });
      made = true;
    } finally {
      await store.approvals.transition({ id, from: 'applying', to: made ? 'applied' : 'failed', now: now() });
    }
    const by = approvers.map((a) => `<@${a}>`).join(', ');
    const what = suppressionWhat(suppression);
    await log(approver, 'approve-suppression', id, 'ok: approved');
    await log(
      approver,
      suppression.kind,
      suppressionTargetLabel(suppression.target),
      'ok: suppressed',
      `until ${suppression.until}: ${suppression.reason} (request ${id} by ${request.requester}, approved by ${approvers.join(', ')})`,
    );
    await updateMessage(
      message,
      request,
      `:white_check_mark: Approved by ${by}: suppressed until ${untilText(suppression.until)}.`,
    );
    return {
      reply: `Approved: suppressed until ${untilText(suppression.until)}.`,
      note: `:white_check_mark: <@${request.requester}>'s request to ${what} was approved by ${by}: suppressed until ${untilText(suppression.until)}. Reason: ${userText(suppression.reason, 1500)}`,
    };
  }

  return {
    async request({ payload, requester, origin, where }) {
      const { required, requesterMayApprove } = suppressionApprovalsOf(config);
      const id = suppressionRequestId(origin, requester, payload);
      const label = suppressionTargetLabel(payload.target);
      const reply = `Suppression requested: it needs ${plural(required, 'approval')} from Warden's approvers${requesterMayApprove ? '' : ' other than you (two-person rule)'}. Until then nothing is hidden: ${code(label, 80)} stays open and reported.`;
      const existing = await store.approvals.get(id);
      if (existing && existing.status !== 'pending') return { request: existing, posted: false, reply };
      const request =
        existing ??
        (await store.approvals.requestApproval({
          id,
          planId: id,
          fingerprint: label,
          requester,
          required,
          requesterMayApprove,
          suppression: payload,
          now: now(),
        }));
      if (!existing)
        await log(requester, payload.kind, label, `requested: ${id}`, `until ${payload.until}: ${payload.reason}`);
      const message = suppressionRequestMessage(request as SuppressionRequest);
      await client.chat.postMessage({
        channel: where.channel,
        text: message.text,
        blocks: message.blocks,
        ...(where.threadTs ? { thread_ts: where.threadTs } : {}),
      });
      return { request, posted: true, reply };
    },

    async approve({ id, user: approver, message }) {
      const request = await store.approvals.get(id);
      if (!isSuppressionRequest(request)) {
        await log(approver, 'approve-suppression', id, 'refused: no such request');
        return { reply: 'Not approved: Warden has no suppression request of this id.' };
      }
      if (request.status === 'pending' && expired(request)) return refuseExpired(request, approver, message);
      const result = await store.approvals.approve({ id, approver, now: now() });
      if (result.outcome === 'refused') {
        const why: Record<string, string> = {
          requester: 'you asked for this suppression, and the two-person rule needs someone else to approve it',
          duplicate: 'you already approved it; approvals are counted per person',
          'not-pending':
            result.status === 'rejected'
              ? 'it was rejected; a new request is needed'
              : `it is no longer pending (it is ${result.status ?? 'gone'})`,
          'not-found': 'Warden has no suppression request of this id',
        };
        await log(approver, 'approve-suppression', id, `refused: ${result.reason ?? 'unknown'}`);
        return {
          reply: `Not approved: ${why[result.reason ?? ''] ?? 'refused'}.`,
          ...(result.reason === 'requester'
            ? {
                note: `:no_entry: <@${approver}> tried to approve their own suppression request: refused (two-person rule).`,
              }
            : {}),
        };
      }
      if (result.outcome === 'recorded') {
        await log(approver, 'approve-suppression', id, `ok: recorded ${result.approvals.length}/${result.required}`);
        return {
          reply: `Approval recorded: ${result.approvals.length} of ${result.required} needed.`,
          note: `:ballot_box_with_check: <@${approver}> approved the request to ${suppressionWhat(request.suppression)} (${result.approvals.length} of ${result.required} approvals).`,
        };
      }
      return complete(
        request,
        approver,
        result.approvals.map((a) => a.approver),
        message,
      );
    },

    async reject({ id, user: by, message }) {
      const request = await store.approvals.get(id);
      if (!isSuppressionRequest(request)) {
        await log(by, 'reject-suppression', id, 'refused: no such request');
        return { reply: 'Not rejected: Warden has no suppression request of this id.' };
      }
      const result = await store.approvals.reject({ id, by, now: now() });
      if (result.outcome === 'refused') {
        await log(by, 'reject-suppression', id, `refused: ${result.status ?? 'not-found'}`);
        return { reply: `Not rejected: the request is ${result.status ?? 'gone'} already.` };
      }
      await log(by, 'reject-suppression', id, 'ok');
      await updateMessage(message, request, `:x: Rejected by <@${by}>: nothing was suppressed.`);
      return {
        reply: 'Rejected: nothing will be suppressed by this request.',
        note: `:x: <@${by}> rejected the request to ${suppressionWhat(request.suppression)}; nothing is suppressed.`,
      };
    },
  };
}
