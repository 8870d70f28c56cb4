import type { SuppressionTarget } from './suppression.ts';

// Approval requests: a fix, a revert or a suppression waiting for approvers (the store keeps them, Slack
// renders them).

/**
 * A fix's life: `pending` (proposed, collecting approvals) → `approved` → `applying` → `applied` |
 * `failed`, and `applied` → `reverted`; `pending` or `approved` → `rejected` (an approver's Reject,
 * binding until the plan is proposed again). Every step is a conditional write on the current status,
 * so duplicate clicks, Slack retries and concurrent jobs make each step exactly once.
 */
export type ApprovalStatus =
  'pending' | 'approved' | 'applying' | 'applied' | 'failed' | 'reverting' | 'reverted' | 'rejected' | 'superseded';

export interface Approval {
  approver: string;
  at: string;
}

/** What a suppression request (Accept risk, `/warden suppress`) suppresses once enough approvers approved it. */
export interface SuppressionRequestPayload {
  kind: 'accept-risk' | 'suppress';
  target: SuppressionTarget;
  reason: string;
  /** When the suppression would end (ISO-8601). */
  until: string;
}

export interface ApprovalRequest {
  id: string;
  planId: string;
  fingerprint: string;
  requester: string;
  /** Distinct approvals needed (N ≥ 1). */
  required: number;
  /** false (the default) is the two-person rule: the requester's own approval does not count. */
  requesterMayApprove: boolean;
  status: ApprovalStatus;
  approvals: Approval[];
  createdAt: string;
  approvedAt?: string;
  /** The apply's change record, once applied (`transition` to `applied` with a `changeId`). */
  changeId?: string;
  /** When `transition` last changed the status. */
  updatedAt?: string;
  /** Who rejected it (status `rejected`). */
  rejectedBy?: string;
  /** For a suppression request (not a fix or a revert): what it suppresses. */
  suppression?: SuppressionRequestPayload;
  /** 1 for the first request under this id; each re-proposal after it ended starts the next. */
  generation: number;
  /** Bumped by every change; updates are conditional on it (optimistic concurrency). */
  version: number;
}
