import { fixInPlace } from '../model/change.ts';
import { applyClaimed } from './apply-claimed.ts';
import { asCode, text } from './notice.ts';
import type { AppPorts, Asker } from './ports.ts';
import { offerResume, recoverStuck } from './recover-stuck.ts';
import { recordTrail } from './trail.ts';

/**
 * An approved fix, applied once: of duplicate clicks, retries and concurrent requests for one approval exactly one
 * claims it and applies; the others do nothing (or recover it when its apply died).
 */
export async function applyApprovedFix(
  ports: AppPorts,
  asker: Asker,
  fingerprint: string,
  planId: string,
): Promise<void> {
  const { store, notifier, now } = ports;
  const approval = await store.approvals.get(planId);
  if (
    !approval ||
    ['pending', 'rejected', 'superseded'].includes(approval.status) ||
    approval.fingerprint !== fingerprint
  ) {
    await recordTrail(ports, asker.user, 'apply', planId, 'refused: not approved');
    await notifier.answer(asker, {
      kind: 'text',
      text: text`Not applied: plan ${asCode(planId, 80)} has no completed approval for this finding.`,
    });
    return;
  }
  // approved → applying is the claim.
  if (!(await store.approvals.transition({ id: planId, from: 'approved', to: 'applying', now: now() }))) {
    if (await recoverStuck(ports, planId, asker)) return;
    await recordTrail(
      ports,
      asker.user,
      'apply',
      planId,
      'ignored: already being applied / applied',
      `duplicate job ${asker.requestId}`,
    );
    const current = await store.approvals.get(planId);
    if (current?.status === 'applying') {
      const interrupted = (await store.changes.list())
        .filter((r) => r.kind === 'apply' && r.plan.id === planId && r.inProgress)
        .at(-1);
      await offerResume(ports, asker, current.updatedAt, 'applied', fingerprint, planId, interrupted?.changeId);
    }
    return;
  }
  let changeId: string | undefined;
  let applied = false;
  try {
    const record = await applyClaimed(ports, asker, fingerprint, planId);
    if (record) {
      changeId = record.changeId;
      applied = fixInPlace(record);
    }
  } finally {
    // Every way out of `applying` (refused, failed, thrown) ends in `applied` or `failed`.
    await store.approvals.transition({
      id: planId,
      from: 'applying',
      to: applied ? 'applied' : 'failed',
      ...(applied && changeId ? { changeId } : {}),
      now: now(),
    });
  }
}
