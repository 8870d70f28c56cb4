import { matchesFingerprint } from '../model/fingerprint.ts';
import { describeWidening, widenedFacets } from '../model/exposure-measure.ts';
import type { ExposureMeasure, Finding } from '../model/types.ts';
import type { RunHistoryEntry } from '../model/run-history.ts';
import type { Approval, ApprovalRequest, ApprovalStatus, SuppressionRequestPayload } from '../model/approval.ts';
import type { FindingSuppression, Suppression, SuppressionKind, SuppressionTarget } from '../model/suppression.ts';
import type { ChangeStore } from '../ports/changes.ts';
import type { Scope } from '../ports/live.ts';

// What the Slack side of Warden remembers between runs and interactions (DESIGN.md: state in
// DynamoDB). One interface, grouped by concern; `dynamo.ts` implements it on one table.
//
// Conventions: times going in are `Date`s (callers pass their clock, so tests pin it); times
// coming out are ISO-8601 strings, as in `ChangeRecord.at`.

/** A provider × account × region: the one `Scope` of the ports (the store keeps its older name). */
export type ScopeRef = Scope;

/** `provider/account/region` (the first three parts of `groupKeyOf`). */
export function scopeKeyOf(scope: ScopeRef): string {
  return `${scope.provider}/${scope.account}/${scope.region}`;
}

// ---------------------------------------------------------------------------------------------
// Findings: fingerprints seen, first/last seen, open/suppressed/resolved, the Slack message they went out as.

/** `suppressed`: still there, hidden by a suppression (never taken for resolved); `resolved`: no longer there. */
export type FindingStatus = 'open' | 'suppressed' | 'resolved';

export interface MessageRef {
  channel: string;
  /** Slack's message timestamp: the message's id in its channel. */
  ts: string;
}

export interface FindingState {
  fingerprint: string;
  /** `scopeKeyOf` the finding's provider/account/region. */
  scope: string;
  /** The finding as last seen (title, detail, severity for re-rendering its message). */
  finding: Finding;
  firstSeen: string;
  lastSeen: string;
  status: FindingStatus;
  /** When it was last resolved; absent while open or suppressed. */
  resolvedAt?: string;
  /** While `suppressed`: the suppression that hides it. */
  suppression?: FindingSuppression;
  /** Where it was posted, once `markPosted` was called. */
  message?: MessageRef & { postedAt: string };
}

/** The outcome of one run, each list in the order the findings were given (resolved: by fingerprint). */
export interface SeenResult {
  /** Never recorded before: to be posted. */
  new: FindingState[];
  /** Recorded and still open: already posted (see `message`), not to be posted again. */
  open: FindingState[];
  /** Recorded as resolved earlier and back now (`message` is the old post, if any). */
  reopened: FindingState[];
  /** Open or suppressed before, not seen by this run in a scope it read completely: mark their messages resolved. */
  resolved: FindingState[];
  /** Seen and covered by a suppression: recorded as suppressed (still open), neither new nor resolved. */
  suppressed: SuppressedSeen[];
  /** Suppressed before, seen now and reported (its suppression ended, or it exposes more than was accepted). */
  unsuppressed: UnsuppressedSeen[];
}

export interface SuppressedSeen {
  state: FindingState;
  /** Its message (if any) does not show this suppression yet: it was open, resolved, or under another suppression. */
  changed: boolean;
}

export interface UnsuppressedSeen {
  state: FindingState;
  /** The suppression it was recorded under until now. */
  ended: FindingSuppression;
}

/** A finding a run saw that a suppression covers. */
export interface SuppressedFinding {
  finding: Finding;
  suppression: Suppression;
}

/** A scope read completely; with `groupId`, only that group of it was (a real-time audit of one group). */
export type CompleteScope = ScopeRef & { groupId?: string };

export interface FindingStore {
  /**
   * Records one run's findings at `now`. `completeScopes` are the scopes the run read completely:
   * only there does "not seen" mean resolved. Findings from other scopes (a partial scope, whose
   * groups were partly read) are still recorded as seen, but nothing in such a scope is resolved —
   * a scan error never makes a finding look fixed. A record whose `lastSeen` is later than `now`
   * (a newer run got there first) is left alone and reported as open. A finding first seen under
   * its fingerprint whose `legacyFingerprint` has a record (written by an earlier version) takes
   * that record over — first seen, status, message — and the old record becomes an alias of it.
   * `suppressed` are the run's findings a suppression covers: seen like the others (so never
   * resolved while they are there), recorded as `suppressed` with the suppression.
   */
  recordSeen(
    findings: readonly Finding[],
    now: Date,
    completeScopes: readonly CompleteScope[],
    suppressed?: readonly SuppressedFinding[],
  ): Promise<SeenResult>;
  /** Remembers the Slack message a finding was posted as (replacing an earlier one). Throws for an unknown fingerprint. */
  markPosted(fingerprint: string, channel: string, ts: string, now?: Date): Promise<FindingState>;
  /** By fingerprint; a legacy fingerprint (an old button's) whose record was taken over gives the finding's state. */
  get(fingerprint: string): Promise<FindingState | undefined>;
  /** The open and suppressed findings of these scopes (`scopeKeyOf`). */
  openIn(scopes: readonly string[]): Promise<FindingState[]>;
}

// ---------------------------------------------------------------------------------------------
// Suppressions: "suppress <finding|check> <duration> <reason>", "Accept risk", "Snooze 7 days"
// (their shapes: src/model/suppression.ts).

export function findingSuppressionOf(suppression: Suppression): FindingSuppression {
  return {
    kind: suppression.kind ?? 'suppress',
    by: suppression.by,
    reason: suppression.reason,
    at: suppression.at,
    until: suppression.until,
    ...('check' in suppression.target ? { check: suppression.target.check } : {}),
  };
}

export interface SuppressionStore {
  /**
   * Suppresses a finding (by fingerprint) or a whole check until `until`; replaces an earlier
   * suppression of the same target. For a finding the store knows, the suppression is kept under
   * its current fingerprint and records what it exposed as last seen (`accepted`).
   */
  suppress(input: {
    target: SuppressionTarget;
    kind?: SuppressionKind;
    by: string;
    reason: string;
    until: Date;
    now?: Date;
  }): Promise<Suppression>;
  /** Suppressions whose `until` is after `now` and that were not revoked, by target. */
  activeSuppressions(now: Date): Promise<Suppression[]>;
  /**
   * Ends the active suppression of `target` now (the caller checked that `by` is an approver);
   * undefined when none is active. The record stays, marked revoked, for the audit trail.
   */
  revoke(input: { target: SuppressionTarget; by: string; now: Date }): Promise<Suppression | undefined>;
  /** Whether the finding (by fingerprint or legacy fingerprint), or its check, is suppressed at `now`. */
  isSuppressed(finding: Pick<Finding, 'fingerprint' | 'legacyFingerprint' | 'check'>, now: Date): Promise<boolean>;
}

/** The suppression that covers a finding at `now` (its own before its check's), from a list read once per run. */
export function suppressionFor(
  finding: Pick<Finding, 'fingerprint' | 'legacyFingerprint' | 'check'>,
  suppressions: readonly Suppression[],
  now: Date,
): Suppression | undefined {
  const live = suppressions.filter((s) => Date.parse(s.until) > now.getTime());
  return (
    live.find((s) => 'fingerprint' in s.target && matchesFingerprint(finding, s.target.fingerprint)) ??
    live.find((s) => 'check' in s.target && s.target.check === finding.check)
  );
}

/**
 * The findings to report: those no suppression covers, and those whose own suppression accepted
 * less than they expose now, marked "widened since suppressed" (a check's suppression covers its
 * findings however wide). Pure.
 */
export function unsuppressedFindings(
  findings: readonly Finding[],
  suppressions: readonly Suppression[],
  now: Date,
): Finding[] {
  const reported: Finding[] = [];
  for (const finding of findings) {
    const suppression = suppressionFor(finding, suppressions, now);
    if (!suppression) {
      reported.push(finding);
      continue;
    }
    const widened =
      suppression.accepted && 'fingerprint' in suppression.target
        ? widenedFacets(suppression.accepted, finding.exposure)
        : [];
    const byCheck = suppressionFor({ fingerprint: '', check: finding.check }, suppressions, now);
    if (widened.length === 0 || byCheck) continue;
    reported.push(widenedSinceSuppressed(finding, suppression, widened));
  }
  return reported;
}

/** The findings to report (`unsuppressedFindings`), and the others with the suppression that covers each. Pure. */
export function splitSuppressed(
  findings: readonly Finding[],
  suppressions: readonly Suppression[],
  now: Date,
): { reported: Finding[]; suppressed: SuppressedFinding[] } {
  const reported = unsuppressedFindings(findings, suppressions, now);
  const shown = new Set(reported.map((f) => f.fingerprint));
  const suppressed = findings.flatMap((finding) => {
    const suppression = shown.has(finding.fingerprint) ? undefined : suppressionFor(finding, suppressions, now);
    return suppression ? [{ finding, suppression }] : [];
  });
  return { reported, suppressed };
}

function widenedSinceSuppressed(finding: Finding, suppression: Suppression, facets: readonly string[]): Finding {
  const accepted = suppression.accepted as ExposureMeasure;
  return {
    ...finding,
    title: `${finding.title} (widened since suppressed)`,
    detail: `${finding.detail} Widened since suppressed by ${suppression.by} on ${suppression.at.slice(0, 10)} (${suppression.reason}): ${describeWidening(accepted, finding.exposure ?? {}, facets)}.`,
  };
}

// ---------------------------------------------------------------------------------------------
// Approvals: who asked for a fix, who approved it, whether it may go ahead (the request's shape:
// src/model/approval.ts).

/** Statuses a request ends in: proposing its plan again starts a new generation of it. */
export const ENDED_APPROVAL_STATUSES: readonly ApprovalStatus[] = ['rejected', 'failed', 'reverted', 'superseded'];

/**
 * The steps `ApprovalStore.transition` makes, by status. `pending → approved` is not among them:
 * only `approve` (which counts distinct approvers) makes that step.
 */
export const APPROVAL_TRANSITIONS: Readonly<Record<ApprovalStatus, readonly ApprovalStatus[]>> = {
  pending: [],
  approved: ['applying'],
  // applying → applying reclaims an apply whose process died (conditional on `version`), to resume it.
  // applying or failed → reverting: a revert of an apply left in progress (interrupted part-way).
  applying: ['applying', 'applied', 'failed', 'reverting'],
  // A revert is claimed first (applied → reverting), so two revert jobs cannot both run it; a
  // revert that does not complete leaves the fix applied (an interrupted one: failed).
  applied: ['reverting'],
  reverting: ['reverted', 'applied', 'failed'],
  failed: ['reverting'],
  reverted: [],
  rejected: [],
  superseded: [],
};

/**
 * The id of the approval request for reverting an applied change: a revert reopens what the fix closed, so it is
 * approved as a fix is (its status then follows `approved` → `applying` → `applied` | `failed` for the revert).
 */
export function revertRequestId(changeId: string): string {
  return `revert-${changeId}`;
}

export type ApproveRefusal =
  /** The requester may not approve their own request (two-person rule). */
  | 'requester'
  /** This person already approved it; approvals are counted per person. */
  | 'duplicate'
  /** It is no longer pending (someone else's approval completed it first). */
  | 'not-pending'
  | 'not-found';

export interface ApproveResult {
  /**
   * `approved`: this call completed the request — the one caller that may go on and apply.
   * `recorded`: counted, more approvals needed. `refused`: nothing changed, see `reason`.
   */
  outcome: 'approved' | 'recorded' | 'refused';
  reason?: ApproveRefusal;
  /** The request's status after the call (undefined when not found). */
  status: ApprovalStatus | undefined;
  approvals: Approval[];
  required: number;
}

export interface RejectResult {
  /** `rejected`: this call rejected it. `refused`: it was not pending or approved (see `status`), or not found. */
  outcome: 'rejected' | 'refused';
  status: ApprovalStatus | undefined;
}

export interface ApprovalStore {
  /**
   * Creates a pending request. Idempotent: the same id again returns the stored request
   * unchanged, whoever proposes it again (its requester stays the first one); the same id for a
   * different plan is an error. A request that ended (`ENDED_APPROVAL_STATUSES`) is started again as
   * its next generation: pending, no approvals, this requester. A fix's request (`id` is its plan id)
   * supersedes the finding's earlier fix request while that one is pending or approved; a suppression request
   * (`suppression` given) supersedes nothing.
   */
  requestApproval(input: {
    id: string;
    planId: string;
    fingerprint: string;
    requester: string;
    required: number;
    requesterMayApprove?: boolean;
    suppression?: SuppressionRequestPayload;
    now?: Date;
  }): Promise<ApprovalRequest>;
  /**
   * Adds one approval. Enforces the two-person rule and N distinct approvers; the write is
   * conditional on the version read, so of two approvers pressing at once for the last needed
   * approval exactly one gets `approved` and the other `refused`/`not-pending`.
   */
  approve(input: { id: string; approver: string; now: Date }): Promise<ApproveResult>;
  /**
   * Rejects a pending or approved request (the caller checked that `by` is an approver), as a write
   * conditional on the version read: nothing approves or applies it afterwards, until its plan is
   * proposed again (`requestApproval` starts a new generation).
   */
  reject(input: { id: string; by: string; now: Date }): Promise<RejectResult>;
  /**
   * Moves the request from status `from` to `to` (one of `APPROVAL_TRANSITIONS[from]`; any other
   * step throws), as a write conditional on the stored status being `from`, bumping `version`.
   * true when this call made the step; false when the status was not `from` (someone else made it
   * first, or the request does not exist). Of concurrent callers exactly one gets true. With
   * `version`, the write is also conditional on the stored version being that one.
   */
  transition(input: {
    id: string;
    from: ApprovalStatus;
    to: ApprovalStatus;
    changeId?: string;
    version?: number;
    now: Date;
  }): Promise<boolean>;
  get(id: string): Promise<ApprovalRequest | undefined>;
}

// ---------------------------------------------------------------------------------------------
// Audit trail: every interaction, allowed or not.

export interface TrailInput {
  at: Date;
  /** Who (a Slack user id and name, `scheduler`, …). */
  actor: string;
  /** What they did: `approve`, `revert`, `suppress`, `post`, … */
  action: string;
  /** What it was about: a fingerprint, an approval id, a change id. */
  target: string;
  /** `ok`, `refused: not an approver`, `failed: …` */
  outcome: string;
  detail?: string;
}

export interface TrailEntry extends Omit<TrailInput, 'at'> {
  at: string;
  /** Unique, ordered by `at` (then by write order within one process). */
  id: string;
}

export interface AuditTrail {
  log(entry: TrailInput): Promise<TrailEntry>;
  /** Entries with `from <= at < to`, oldest first. */
  entries(range: { from: Date; to: Date }): Promise<TrailEntry[]>;
  /** Every entry about one target, oldest first. */
  forTarget(target: string): Promise<TrailEntry[]>;
}

// ---------------------------------------------------------------------------------------------
// Idempotency: Slack retries deliveries; each request id is acted on once.

export interface IdempotencyStore {
  /** true the first time a request id is claimed (within `ttlSeconds`), false every later time. */
  claim(requestId: string, ttlSeconds: number, now?: Date): Promise<boolean>;
  /** Gives a claim up (the work it guarded failed), so a retry of the request may claim it again. */
  release(requestId: string, now?: Date): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Runs: a scheduled audit fans out one message per scope; each scope's result is recorded here,
// and whoever completes the last scope (or the next schedule tick, for a run that never
// completes) posts the run's digest, once.

/** What one scope contributed to a run. */
export interface ScopeResult {
  scope: ScopeRef;
  groups: number;
  rules: number;
  findings: number;
  bySeverity: Record<string, number>;
  /** Set when the scope could not be read: nothing in it is reported clean. */
  scanError?: string;
  /** New (and reopened) findings, at most `RUN_FINDINGS_KEPT` of them; `newCount` is the whole count. */
  new: Finding[];
  newCount: number;
  /** The whole new count by severity. */
  newBySeverity: Record<string, number>;
  /** New findings at or above the posting severity that got no message (over the run's message limit). */
  heldBack?: number;
  /** Resolved findings, at most `RUN_FINDINGS_KEPT`; `resolvedCount` is the whole count. */
  resolved: Finding[];
  resolvedCount: number;
  /** Of `bySeverity`, the findings a suppression covers (still open); absent in results recorded before it was kept. */
  suppressedBySeverity?: Record<string, number>;
}

/** Per scope, the findings a run keeps for its digest (the counts are always whole). */
export const RUN_FINDINGS_KEPT = 50;

export interface Run {
  runId: string;
  /** Scopes the run was split into. */
  expected: number;
  /** Scopes recorded so far. */
  done: number;
  /** Where its digest and findings go. */
  channel?: string;
  trigger: string;
  startedAt: string;
  /** Set once, by whoever posts the digest. */
  digestAt?: string;
}

export interface RunStore {
  /** Records a new run (idempotent: the same id again changes nothing). */
  start(input: { runId: string; expected: number; channel?: string; trigger: string; now: Date }): Promise<Run>;
  /**
   * Records one scope's result. `counted` is false when this scope was recorded before (an SQS
   * redelivery): it is then not counted again. The counter is bumped after the scope is marked, so
   * a crash in between leaves the run short (finished late by `unfinished`), never counted twice.
   */
  recordScope(runId: string, result: ScopeResult, now: Date): Promise<{ counted: boolean; run: Run | undefined }>;
  /**
   * Takes one of the run's `max` finding messages: true while fewer than `max` were taken. Keeps a
   * run of a thousand accounts from posting more than Slack's channel limit can take; the rest
   * stay open without a message, and later runs post them.
   */
  claimPostSlot(runId: string, max: number): Promise<boolean>;
  /** true exactly once per run: the caller that gets it posts the digest. */
  claimDigest(runId: string, now: Date): Promise<boolean>;
  /** Every scope result recorded for the run. */
  scopeResults(runId: string): Promise<ScopeResult[]>;
  /** Runs started before `before` whose digest was never posted (a scope failed for good, or a crash). */
  unfinished(before: Date): Promise<Run[]>;
  get(runId: string): Promise<Run | undefined>;
  /** Keeps a scheduled run's counts for the posture chart; the same run again replaces its entry. */
  recordHistory(entry: RunHistoryEntry, now: Date): Promise<void>;
  /** The last `limit` runs recorded by `recordHistory`, oldest first. */
  history(limit: number): Promise<RunHistoryEntry[]>;
}

export interface StateStore {
  runs: RunStore;
  findings: FindingStore;
  suppressions: SuppressionStore;
  approvals: ApprovalStore;
  trail: AuditTrail;
  idempotency: IdempotencyStore;
  changes: ChangeStore;
}
