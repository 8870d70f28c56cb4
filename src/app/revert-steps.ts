import type { ChangeRecord } from '../model/change.ts';
import { revertRequestId } from '../store/state.ts';
import type { FindingState } from '../store/state.ts';
import type { Text } from './notice.ts';
import type { AppPorts, Asker } from './ports.ts';
import { placeFor } from './ports.ts';
import { recordTrail } from './trail.ts';

// The end of a revert, shared by an approved Revert and the recovery of one whose process died.

/**
 * A revert's end: the fix is `reverted`, or back to `applied` (an interrupted apply's: `failed`,
 * as nothing resumes it after a revert was asked for); the revert's own request `applied` or `failed`.
 */
export async function endRevert(
  ports: Pick<AppPorts, 'store' | 'now'>,
  change: ChangeRecord,
  ok: boolean,
): Promise<void> {
  const { store, now } = ports;
  await store.approvals.transition({
    id: change.plan.id,
    from: 'reverting',
    to: ok ? 'reverted' : change.inProgress ? 'failed' : 'applied',
    now: now(),
  });
  await store.approvals.transition({
    id: revertRequestId(change.changeId),
    from: 'applying',
    to: ok ? 'applied' : 'failed',
    now: now(),
  });
}

/** Tells a revert's outcome in the finding's thread; a reverted fix's finding is open again, on its old message. */
export async function reportRevert(
  ports: AppPorts,
  asker: Asker,
  change: ChangeRecord,
  record: ChangeRecord,
  ok: boolean,
  headline?: Text,
): Promise<void> {
  const { store, notifier, now } = ports;
  const state: FindingState | undefined = await store.findings.get(change.plan.finding.fingerprint);
  const where = placeFor(asker, state?.message);
  if (headline) await notifier.post(where, { kind: 'text', text: headline });
  await notifier.post(where, { kind: 'change', record });
  // Open again, on its old message (the next audit does not post it anew).
  if (ok && state) await store.findings.recordSeen([state.finding], now(), []);
  if (ok && state?.message) {
    await notifier.update(state.message, {
      kind: 'finding',
      finding: state.finding,
      noPlanReason: `Warden's fix was reverted (${record.changeId}): the group is as it was before. /warden fix ${state.finding.fingerprint} proposes a new plan.`,
    });
  }
  await recordTrail(
    ports,
    asker.user,
    'revert',
    change.changeId,
    ok ? 'ok: reverted' : `failed: ${record.status}`,
    record.changeId,
  );
}
