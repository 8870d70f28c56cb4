import { fixInPlace } from '../model/change.ts';
import { auditVerifier, resumeChange, resumeRevert, revertChange } from '../remediation/apply.ts';
import type { ChangeRecord } from '../model/change.ts';
import { revertRequestId } from '../store/state.ts';
import { applyAdapter, applyClaimed } from './apply-claimed.ts';
import { safeErrorText } from './error-text.ts';
import { asCode, quoted, text } from './notice.ts';
import type { AppPorts, Asker } from './ports.ts';
import { placeFor, scopeOf } from './ports.ts';
import { endRevert, reportRevert } from './revert-steps.ts';
import { recordTrail } from './trail.ts';

// Recovering a fix (or a revert) whose process died part-way: completed or undone, never left half-done.

/** An approval `applying` this long was left by a process that died: longer than a Lambda can run. */
export const STUCK_AFTER_MS = 15 * 60_000;

/** Set longer ago than any apply or revert runs: the process that set it died. */
export function stale(now: Date, since: string | undefined): since is string {
  return since !== undefined && now.getTime() - Date.parse(since) >= STUCK_AFTER_MS;
}

/** Tells the person a fix is being applied (or reverted) since `since`, with the Resume button for once it is stale. */
export async function offerResume(
  ports: Pick<AppPorts, 'notifier'>,
  asker: Asker,
  since: string | undefined,
  done: 'applied' | 'reverted',
  fingerprint: string,
  planId: string,
  interruptedChangeId?: string,
): Promise<void> {
  if (!since || !asker.replyTo) return;
  const at = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  const noun = done === 'applied' ? 'apply' : 'revert';
  const said = text`Not ${done} again: this fix is being ${done} since ${at(Date.parse(since))} UTC. If that ${noun} died, Warden resumes it on its own after ${at(Date.parse(since) + STUCK_AFTER_MS)} UTC, or an approver can press Resume then.`;
  await ports.notifier.whisper(asker, {
    kind: 'resume',
    text: said,
    fingerprint,
    planId,
    ...(interruptedChangeId ? { interruptedChangeId } : {}),
  });
}

/**
 * The apply function's schedule tick: recovers every apply left in progress longer than
 * STUCK_AFTER_MS (its process died) whose approval is stuck in `applying`, and every revert whose
 * request is stuck in `applying` (the fix `reverting`); answers the fixes' plan ids.
 */
export async function recoverStuckApplies(ports: AppPorts): Promise<string[]> {
  const { store, now } = ports;
  const cutoff = now().getTime() - STUCK_AFTER_MS;
  const records = await store.changes.list();
  const byId = new Map(records.map((r) => [r.changeId, r]));
  const recovered: string[] = [];
  const tick = (target: string): Asker => ({
    user: 'schedule',
    actor: 'slack:schedule',
    channel: ports.settings.channel ?? '',
    requestId: `schedule:resume:${target}`,
  });
  // Applies left in progress (a revert of one that died is routed by recoverStuck to the revert).
  // One recovery that throws (Slack or the store down) is logged; the others still run.
  const attempt = async (planId: string, recover: () => Promise<boolean>): Promise<void> => {
    try {
      if (await recover()) recovered.push(planId);
    } catch (error) {
      console.error(`warden: recovering the interrupted change of ${planId} failed: ${safeErrorText(error)}`);
    }
  };
  for (const planId of new Set(
    records.filter((r) => r.kind === 'apply' && r.inProgress && Date.parse(r.at) <= cutoff).map((r) => r.plan.id),
  )) {
    await attempt(planId, () => recoverStuck(ports, planId, tick(planId)));
  }
  // Reverts left in progress, and reverts of applied fixes that died before writing their record.
  const reverts = records
    .filter((r) => r.kind === 'revert' && r.inProgress && Date.parse(r.at) <= cutoff)
    .map((r) => byId.get(r.reverts ?? ''));
  const applied = records.filter((r) => r.kind === 'apply' && r.status === 'applied');
  for (const change of new Set([...reverts, ...applied])) {
    if (!change || change.kind !== 'apply' || recovered.includes(change.plan.id)) continue;
    if ((await store.approvals.get(change.plan.id))?.status !== 'reverting') continue;
    await attempt(change.plan.id, () => recoverStuckRevert(ports, change, tick(change.changeId)));
  }
  return recovered;
}

/**
 * Recovers an approval stuck in `applying` (its process died) for longer than any apply runs:
 * reclaims it (one caller wins), then resumes the change record it left in progress (completes
 * or undoes it, and posts which), or, when it died before writing one, applies afresh. No new
 * approvals are needed. false when the approval is not stuck (or another caller reclaimed it).
 */
export async function recoverStuck(ports: AppPorts, planId: string, asker: Asker): Promise<boolean> {
  const { config, store, notifier, now } = ports;
  const approval = await store.approvals.get(planId);
  if (approval?.status === 'reverting' && approval.changeId) {
    // Resume on a fix whose revert died: the revert is what is recovered.
    const change = await store.changes.get(approval.changeId);
    return change?.kind === 'apply' && change.plan.id === planId ? recoverStuckRevert(ports, change, asker) : false;
  }
  const since = approval?.updatedAt ?? approval?.approvedAt;
  if (!approval || approval.status !== 'applying' || !stale(now(), since)) return false;
  if (
    !(await store.approvals.transition({
      id: planId,
      from: 'applying',
      to: 'applying',
      version: approval.version,
      now: now(),
    }))
  )
    return false;
  const applies = (await store.changes.list()).filter((r) => r.kind === 'apply' && r.plan.id === planId);
  const change = applies.filter((r) => r.inProgress).at(-1);
  let ended: 'applied' | 'failed' | undefined = 'failed';
  let changeId: string | undefined;
  try {
    if (!change) {
      // The apply may have finished (its record saved) and died before the approval said so.
      const finished = applies.filter((r) => r.at >= (approval.approvedAt ?? '')).at(-1);
      if (finished) {
        changeId = finished.changeId;
        ended = fixInPlace(finished) ? 'applied' : 'failed';
        await recordTrail(ports, asker.user, 'resume', planId, `ok: had ended ${finished.status}`, changeId);
        return true;
      }
      await recordTrail(
        ports,
        asker.user,
        'resume',
        planId,
        'ok: no change record; applying afresh',
        `stuck in applying since ${since}`,
      );
      const record = await applyClaimed(ports, asker, approval.fingerprint, planId);
      changeId = record?.changeId;
      ended = record && fixInPlace(record) ? 'applied' : 'failed';
      return true;
    }
    const resumed = await resumeChange({
      adapter: await applyAdapter(ports, change.plan.target),
      normalize: ports.clouds.normalize,
      scope: scopeOf(change.plan.target),
      change,
      store: store.changes,
      actor: asker.actor,
      now,
      verify: auditVerifier(config),
    });
    const state = await store.findings.get(approval.fingerprint);
    const where = placeFor(asker, state?.message);
    if (resumed.outcome === 'left') {
      // Nothing was done: stays `applying`, reclaimed, for the next attempt once it is stale again.
      ended = undefined;
      await recordTrail(ports, asker.user, 'resume', planId, 'failed: left in progress', resumed.reason);
      const said = text`:warning: Warden could not resume the interrupted fix ${asCode(change.changeId, 120)}: ${quoted(resumed.reason ?? '', 400)}. It tries again on the next schedule tick, or an approver can press Resume.`;
      await notifier.post(where, {
        kind: 'resume',
        text: said,
        fingerprint: approval.fingerprint,
        planId,
        interruptedChangeId: change.changeId,
      });
      return true;
    }
    changeId = resumed.record.changeId;
    ended = resumed.outcome === 'completed' ? 'applied' : 'failed';
    const headline =
      resumed.outcome === 'completed'
        ? text`:arrow_forward: The fix interrupted part-way (${asCode(change.changeId, 120)}) was resumed and completed: the group still matched the plan and what had been done.`
        : text`:rewind: The fix interrupted part-way (${asCode(change.changeId, 120)}) was undone: the group no longer matched the plan and what had been done (${resumed.record.status}).`;
    await notifier.post(where, { kind: 'text', text: headline });
    await notifier.post(where, { kind: 'change', record: resumed.record });
    await recordTrail(ports, asker.user, 'resume', planId, `ok: ${resumed.outcome}`, changeId);
    return true;
  } finally {
    if (ended)
      await store.approvals.transition({
        id: planId,
        from: 'applying',
        to: ended,
        ...(ended === 'applied' && changeId ? { changeId } : {}),
        now: now(),
      });
  }
}

/**
 * Recovers a revert whose process died (its request stuck in `applying` for longer than any revert
 * runs): reclaims it (one caller wins), then resumes the revert record it left in progress
 * (completes or undoes it, and posts which), or, when it died before writing one, reverts afresh.
 * No new approvals are needed. false when the revert is not stuck (or another caller reclaimed it).
 */
export async function recoverStuckRevert(ports: AppPorts, change: ChangeRecord, asker: Asker): Promise<boolean> {
  const { store, notifier, now } = ports;
  const revertId = revertRequestId(change.changeId);
  const request = await store.approvals.get(revertId);
  const since = request?.updatedAt;
  if (!request || request.status !== 'applying' || !stale(now(), since)) return false;
  if ((await store.approvals.get(change.plan.id))?.status !== 'reverting') {
    // Died between claiming its request and claiming the fix: nothing was changed. The request ends, so a new Revert may be approved.
    if (
      !(await store.approvals.transition({
        id: revertId,
        from: 'applying',
        to: 'failed',
        version: request.version,
        now: now(),
      }))
    )
      return false;
    await recordTrail(
      ports,
      asker.user,
      'resume-revert',
      change.changeId,
      'ok: ended; it had not started',
      `stuck in applying since ${since}`,
    );
    await notifier.answer(asker, {
      kind: 'text',
      text: text`Not reverted: the revert of ${asCode(change.changeId, 80)} approved earlier never started (its process died); press Revert again to approve a new one.`,
    });
    return true;
  }
  if (
    !(await store.approvals.transition({
      id: revertId,
      from: 'applying',
      to: 'applying',
      version: request.version,
      now: now(),
    }))
  )
    return false;
  const reverts = (await store.changes.list()).filter(
    (r) => r.kind === 'revert' && r.reverts === change.changeId && r.at >= (request.approvedAt ?? ''),
  );
  const inProgress = reverts.filter((r) => r.inProgress).at(-1);
  const finished = reverts.filter((r) => !r.inProgress).at(-1);
  let ended: boolean | undefined = false;
  try {
    if (finished) {
      // The revert finished (its record saved) and died before the approvals said so.
      ended = finished.status === 'reverted';
      await recordTrail(
        ports,
        asker.user,
        'resume-revert',
        change.changeId,
        `ok: had ended ${finished.status}`,
        finished.changeId,
      );
      return true;
    }
    const adapter = await applyAdapter(ports, change.plan.target);
    const scope = scopeOf(change.plan.target);
    if (!inProgress) {
      await recordTrail(
        ports,
        asker.user,
        'resume-revert',
        change.changeId,
        'ok: no revert record; reverting afresh',
        `stuck in applying since ${since}`,
      );
      const record = await revertChange({
        adapter,
        normalize: ports.clouds.normalize,
        scope,
        change,
        store: store.changes,
        actor: asker.actor,
        now,
      });
      ended = record.status === 'reverted';
      await reportRevert(
        ports,
        asker,
        change,
        record,
        ended,
        text`:leftwards_arrow_with_hook: The revert of ${asCode(change.changeId, 120)} that was interrupted before its first change was made afresh (${record.status}).`,
      );
      return true;
    }
    const resumed = await resumeRevert({
      adapter,
      normalize: ports.clouds.normalize,
      scope,
      change: inProgress,
      reverted: change,
      store: store.changes,
      actor: asker.actor,
      now,
    });
    if (resumed.outcome === 'left') {
      // Nothing was done: stays `reverting`, reclaimed, for the next attempt once it is stale again.
      ended = undefined;
      await recordTrail(
        ports,
        asker.user,
        'resume-revert',
        change.changeId,
        'failed: left in progress',
        resumed.reason,
      );
      const state = await store.findings.get(change.plan.finding.fingerprint);
      const where = placeFor(asker, state?.message);
      const said = text`:warning: Warden could not resume the interrupted revert ${asCode(inProgress.changeId, 120)}: ${quoted(resumed.reason ?? '', 400)}. It tries again on the next schedule tick, or an approver can press Resume.`;
      await notifier.post(where, {
        kind: 'resume',
        text: said,
        fingerprint: change.plan.finding.fingerprint,
        planId: change.plan.id,
      });
      return true;
    }
    ended = resumed.outcome === 'completed';
    const headline = ended
      ? text`:arrow_forward: The revert interrupted part-way (${asCode(inProgress.changeId, 120)}) was resumed and completed: the group still matched what it found and what had been done.`
      : text`:rewind: The revert interrupted part-way (${asCode(inProgress.changeId, 120)}) was undone: the group no longer matched what it found and what had been done (${resumed.record.status}).`;
    await reportRevert(ports, asker, change, resumed.record, ended, headline);
    return true;
  } finally {
    if (ended !== undefined) await endRevert(ports, change, ended);
  }
}
