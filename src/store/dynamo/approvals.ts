import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { isRecord } from '../../lib/record.ts';
import { APPROVAL_TRANSITIONS, ENDED_APPROVAL_STATUSES } from '../state.ts';
import type { ApprovalStore, ApproveResult } from '../state.ts';
import type { Approval, ApprovalRequest, SuppressionRequestPayload } from '../../model/approval.ts';
import { writeIf } from './conditional.ts';
import { checkChangeId, optionalStringsOf, required, stringsOf } from './table.ts';
import type { Item, Table } from './table.ts';

// Approval requests: `APPROVAL#<id>` / `APPROVAL`; a finding's current fix request: `APPROVAL#finding#<fp>` / `CURRENT`.

const MAX_APPROVE_ATTEMPTS = 8;

const keyOf = (id: string) => ({ pk: `APPROVAL#${id}`, sk: 'APPROVAL' });

function toApproval(item: Item): ApprovalRequest {
  const request: ApprovalRequest = {
    ...stringsOf(item, ['id', 'planId', 'fingerprint', 'requester', 'createdAt']),
    required: item['required'] as number,
    requesterMayApprove: item['requesterMayApprove'] === true,
    status: item['status'] as ApprovalRequest['status'],
    approvals: (item['approvals'] as Approval[] | undefined) ?? [],
    generation: typeof item['generation'] === 'number' ? item['generation'] : 1,
    version: item['version'] as number,
    ...optionalStringsOf(item, ['rejectedBy', 'approvedAt', 'changeId', 'updatedAt']),
  };
  if (isRecord(item['suppression'])) request.suppression = item['suppression'] as unknown as SuppressionRequestPayload;
  return request;
}

/**
 * Reads the request and decides again until the decision's write lands or needs none (`attempt`
 * returns a result): undefined from `attempt` means someone else changed the request between its
 * read and its write.
 */
async function untilDecided<R>(id: string, attempt: () => Promise<R | undefined>): Promise<R> {
  for (let tries = 0; tries < MAX_APPROVE_ATTEMPTS; tries++) {
    const result = await attempt();
    if (result !== undefined) return result;
  }
  throw new Error(`approval ${id}: gave up after ${MAX_APPROVE_ATTEMPTS} concurrent updates`);
}

export function createApprovalStore(table: Table): ApprovalStore {
  const { client, getItem } = table;

  /** Sets `set` on the request while it is still at the version read (and `condition` holds), bumping the version. */
  async function updateAsRead(request: ApprovalRequest, set: string, values: Item, condition = ''): Promise<boolean> {
    const written = await writeIf(table, {
      Key: keyOf(request.id),
      UpdateExpression: `SET ${set}, version = :next`,
      ConditionExpression: `version = :read${condition}`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ...values, ':next': request.version + 1, ':read': request.version },
    });
    return written.written;
  }

  /**
   * Starts `existing` (an ended request) again as `fresh` under its next generation, conditional on the version
   * read; of two proposals at once the one that loses reads the winner's generation.
   */
  async function nextGeneration(existing: ApprovalRequest, fresh: ApprovalRequest): Promise<ApprovalRequest> {
    const request: ApprovalRequest = { ...fresh, generation: existing.generation + 1, version: existing.version + 1 };
    const written = await writeIf(table, {
      Item: { ...keyOf(request.id), type: 'approval', ...request },
      ConditionExpression: 'version = :read',
      ExpressionAttributeValues: { ':read': existing.version },
    });
    if (written.written) return request;
    const winner = await approvals.get(request.id);
    if (!winner) throw new Error(`approval ${request.id}: changed by another proposal, then not found`);
    return winner;
  }

  /**
   * Makes `id` the finding's current fix request, and marks the one it replaces `superseded` while that one is
   * still pending or approved (an apply already claimed goes on; its result is recorded under its own id).
   */
  async function supersedeEarlier(fingerprint: string, id: string, now: Date): Promise<void> {
    const key = { pk: `APPROVAL#finding#${fingerprint}`, sk: 'CURRENT' };
    const current = await getItem(key.pk, key.sk);
    const earlier = typeof current?.['id'] === 'string' ? current['id'] : undefined;
    await client.send(
      new PutCommand({ TableName: table.name, Item: { ...key, type: 'approval-current', id, at: now.toISOString() } }),
    );
    if (earlier === undefined || earlier === id) return;
    await writeIf(table, {
      Key: keyOf(earlier),
      UpdateExpression: 'SET #status = :superseded, updatedAt = :now, version = version + :one',
      ConditionExpression: '#status IN (:pending, :approved)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':superseded': 'superseded',
        ':now': now.toISOString(),
        ':one': 1,
        ':pending': 'pending',
        ':approved': 'approved',
      },
    });
  }

  const approvals: ApprovalStore = {
    async requestApproval({
      id,
      planId,
      fingerprint,
      requester,
      required: needed,
      requesterMayApprove = false,
      suppression,
      now = table.clock(),
    }) {
      if (!Number.isInteger(needed) || needed < 1)
        throw new Error(`required approvals must be a whole number of at least 1, not ${needed}`);
      const request: ApprovalRequest = {
        id: required(id, 'approval id'),
        planId: required(planId, 'planId'),
        fingerprint: required(fingerprint, 'fingerprint'),
        requester: required(requester, 'requester'),
        required: needed,
        requesterMayApprove,
        status: 'pending',
        approvals: [],
        createdAt: now.toISOString(),
        ...(suppression ? { suppression } : {}),
        generation: 1,
        version: 1,
      };
      let made: ApprovalRequest = request;
      const written = await writeIf(table, {
        Item: { ...keyOf(id), type: 'approval', ...request },
        ConditionExpression: 'attribute_not_exists(pk)',
      });
      if (!written.written) {
        const existing = await approvals.get(id);
        if (!existing) throw new Error(`approval request ${id}: exists, then not found`);
        if (existing.planId !== planId || existing.fingerprint !== fingerprint)
          throw new Error(`approval request ${id} exists for another plan`);
        if (!ENDED_APPROVAL_STATUSES.includes(existing.status)) return existing;
        made = await nextGeneration(existing, request);
      }
      if (id === planId && !suppression) await supersedeEarlier(fingerprint, id, now);
      return made;
    },

    async reject({ id, by, now }) {
      required(by, 'rejecter');
      return untilDecided(id, async () => {
        const request = await approvals.get(id);
        if (!request) return { outcome: 'refused', status: undefined };
        if (request.status !== 'pending' && request.status !== 'approved')
          return { outcome: 'refused', status: request.status };
        const rejected = await updateAsRead(request, '#status = :rejected, rejectedBy = :by, updatedAt = :now', {
          ':rejected': 'rejected',
          ':by': by,
          ':now': now.toISOString(),
        });
        return rejected ? { outcome: 'rejected', status: 'rejected' } : undefined;
      });
    },

    async approve({ id, approver, now }): Promise<ApproveResult> {
      required(approver, 'approver');
      return untilDecided(id, async () => {
        const request = await approvals.get(id);
        if (!request) return { outcome: 'refused', reason: 'not-found', status: undefined, approvals: [], required: 0 };
        const refuse = (reason: NonNullable<ApproveResult['reason']>): ApproveResult => ({
          outcome: 'refused',
          reason,
          status: request.status,
          approvals: request.approvals,
          required: request.required,
        });
        if (approver === request.requester && !request.requesterMayApprove) return refuse('requester');
        if (request.status !== 'pending') return refuse('not-pending');
        if (request.approvals.some((a) => a.approver === approver)) return refuse('duplicate');

        const next = [...request.approvals, { approver, at: now.toISOString() }];
        const status = next.length >= request.required ? 'approved' : 'pending';
        const recorded = await updateAsRead(
          request,
          `approvals = :approvals, #status = :status${status === 'approved' ? ', approvedAt = :now' : ''}`,
          {
            ':approvals': next,
            ':status': status,
            ':pending': 'pending',
            ...(status === 'approved' ? { ':now': now.toISOString() } : {}),
          },
          ' AND #status = :pending',
        );
        // Not recorded: someone else changed it between our read and our write, so read again and decide again.
        return recorded
          ? {
              outcome: status === 'approved' ? 'approved' : 'recorded',
              status,
              approvals: next,
              required: request.required,
            }
          : undefined;
      });
    },

    async transition({ id, from, to, changeId, version, now }) {
      required(id, 'approval id');
      if (!(APPROVAL_TRANSITIONS[from] ?? []).includes(to))
        throw new Error(`approval ${id}: ${from} → ${to} is not a transition`);
      if (changeId !== undefined) checkChangeId(changeId);
      // Not written: not in `from` (any more), so another caller made this step, or a later one, first.
      const written = await writeIf(table, {
        Key: keyOf(id),
        UpdateExpression: `SET #status = :to, version = version + :one, updatedAt = :now${changeId !== undefined ? ', changeId = :changeId' : ''}`,
        ConditionExpression: `attribute_exists(pk) AND #status = :from${version !== undefined ? ' AND version = :version' : ''}`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':to': to,
          ':from': from,
          ':one': 1,
          ...(version !== undefined ? { ':version': version } : {}),
          ':now': now.toISOString(),
          ...(changeId !== undefined ? { ':changeId': changeId } : {}),
        },
      });
      return written.written;
    },

    async get(id) {
      const item = await getItem(`APPROVAL#${required(id, 'approval id')}`, 'APPROVAL');
      return item ? toApproval(item) : undefined;
    },
  };
  return approvals;
}
