import { revertChange } from '../remediation/apply.ts';
import type { ChangeRecord } from '../model/change.ts';
import { revertRequestId } from '../store/state.ts';
import type { ApprovalRequest } from '../model/approval.ts';
import { applyAdapter } from './apply-claimed.ts';
import { asCode, text } from './notice.ts';
import type { AppPorts, Asker } from './ports.ts';
import { scopeOf } from './ports.ts';
import { offerResume, recoverStuckRevert, stale, STUCK_AFTER_MS } from './recover-stuck.ts';
import { endRevert, reportRevert } from './revert-steps.ts';
import { recordTrail } from './trail.ts';

/** An applied fix reverted, once, with the revert's own completed approval. */
export async function revertApprovedFix(ports: AppPorts, asker: Asker, changeId: string): Promise<void> {
  const { store, notifier, now } = ports;
  const answer = (said: ReturnType<typeof text>) => notifier.answer(asker, { kind: 'text', text: said });
  const change: ChangeRecord | undefined = await store.changes.get(changeId);
  if (!change || change.kind !== 'apply') {
    await recordTrail(ports, asker.user, 'revert', changeId, 'refused: unknown change');
    await answer(text`Not reverted: Warden has no applied change ${asCode(changeId, 80)}.`);
    return;
  }
  // A revert whose process died is recovered by the next delivery once it is stale.
  if (await recoverStuckRevert(ports, change, asker)) return;
  // Only an applied fix is reverted, once: a second revert (a duplicate click, a retry) finds it `reverted`.
  const approval = await store.approvals.get(change.plan.id);
  if (approval?.status === 'reverting' && approval.changeId === changeId) {
    await recordTrail(ports, asker.user, 'revert', changeId, 'ignored: already being reverted');
    await offerResume(
      ports,
      asker,
      (await store.approvals.get(revertRequestId(changeId)))?.updatedAt,
      'reverted',
      approval.fingerprint,
      approval.planId,
    );
    return;
  }
  const from = revertableFrom(now(), approval, change);
  if (!approval || !from) {
    await recordTrail(
      ports,
      asker.user,
      'revert',
      changeId,
      `refused: not applied (${approval?.status ?? 'no approval'})`,
    );
    await answer(
      text`Not reverted: change ${asCode(changeId, 80)} is not an applied fix${approval?.status === 'reverted' ? ' (it was reverted already)' : ''}.`,
    );
    return;
  }
  // A revert widens access again: it goes ahead only with its own completed approval, claimed once.
  const revertId = revertRequestId(changeId);
  if (from === 'busy') {
    // The apply may still be running: a revert now would race it. This revert's approvals are used up.
    if (await store.approvals.transition({ id: revertId, from: 'approved', to: 'applying', now: now() }))
      await store.approvals.transition({ id: revertId, from: 'applying', to: 'failed', now: now() });
    const since = approval.updatedAt ?? change.at;
    const at = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
    await recordTrail(
      ports,
      asker.user,
      'revert',
      changeId,
      'refused: its apply may still be running',
      `applying since ${since}`,
    );
    await answer(
      text`Not reverted: change ${asCode(changeId, 80)} is being applied since ${at(Date.parse(since))} UTC. If that apply died, it can be reverted after ${at(Date.parse(since) + STUCK_AFTER_MS)} UTC (with the revert's approvals), or Warden resumes it on its own then.`,
    );
    return;
  }
  if (!(await store.approvals.transition({ id: revertId, from: 'approved', to: 'applying', now: now() }))) {
    const request = await store.approvals.get(revertId);
    if (request?.status === 'applying' || request?.status === 'applied') {
      await recordTrail(ports, asker.user, 'revert', changeId, 'ignored: already being reverted / reverted');
      if (request.status === 'applying')
        await offerResume(ports, asker, request.updatedAt, 'reverted', approval.fingerprint, approval.planId);
      return;
    }
    await recordTrail(
      ports,
      asker.user,
      'revert',
      changeId,
      `refused: revert not approved (${request?.status ?? 'no request'})`,
    );
    await answer(text`Not reverted: reverting change ${asCode(changeId, 80)} has no completed approval.`);
    return;
  }
  // Claim the revert: of two revert jobs at once (or a revert and a resume of an interrupted apply), only one gets past this line.
  if (
    !(await store.approvals.transition({
      id: change.plan.id,
      from,
      to: 'reverting',
      changeId,
      ...(from === 'applying' ? { version: approval.version } : {}),
      now: now(),
    }))
  ) {
    await store.approvals.transition({ id: revertId, from: 'applying', to: 'failed', now: now() });
    await recordTrail(ports, asker.user, 'revert', changeId, 'ignored: already being reverted / reverted');
    return;
  }
  let ok = false;
  let record: ChangeRecord;
  try {
    record = await revertChange({
      adapter: await applyAdapter(ports, change.plan.target),
      scope: scopeOf(change.plan.target),
      change,
      store: store.changes,
      actor: asker.actor,
      now,
    });
    ok = record.status === 'reverted';
  } finally {
    await endRevert(ports, change, ok);
  }
  await reportRevert(ports, asker, change, record, ok);
}

/**
 * Whether the fix behind `change` may be reverted, and from which status: `applied`, or an apply
 * left in progress (interrupted part-way) of this generation of the fix, its approval `failed` or
 * stuck in `applying` (`busy` while that apply may still be running).
 */
function revertableFrom(
  now: Date,
  approval: ApprovalRequest | undefined,
  change: ChangeRecord,
): 'applied' | 'applying' | 'failed' | 'busy' | undefined {
  if (!approval) return undefined;
  if (approval.status === 'applied')
    return approval.changeId === undefined || approval.changeId === change.changeId ? 'applied' : undefined;
  if (!change.inProgress || change.at < (approval.approvedAt ?? '')) return undefined;
  if (approval.status === 'failed') return 'failed';
  if (approval.status !== 'applying') return undefined;
  return stale(now, approval.updatedAt) ? 'applying' : 'busy';
}
