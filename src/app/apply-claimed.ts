import { fixInPlace } from '../model/change.ts';
import type { LiveAdapter, ScopeFilter } from '../ports/live.ts';
import { matchesFingerprint } from '../model/fingerprint.ts';
import type { Finding } from '../model/types.ts';
import { applyPlan, auditVerifier } from '../remediation/apply.ts';
import { isPlanId } from '../remediation/plan.ts';
import type { ChangeRecord } from '../model/change.ts';
import type { ScopeRef } from '../store/state.ts';
import { asCode, quoted, text } from './notice.ts';
import type { Text } from './notice.ts';
import type { AppPorts, Asker } from './ports.ts';
import { configuredProviders, placeFor, UseCaseError } from './ports.ts';
import { groupOf, proposeFix } from './propose-fix.ts';
import { readScope } from './read-scope.ts';
import { recordTrail } from './trail.ts';

/** The adapter that may change the plan's group (its account's apply role). */
export async function applyAdapter(
  ports: Pick<AppPorts, 'clouds' | 'configFor'>,
  target: ScopeRef,
): Promise<LiveAdapter> {
  const adapter = (await ports.clouds.adapters([target.provider], ports.configFor(target, 'apply'))).find(
    (a) => a.provider === target.provider,
  );
  if (!adapter) throw new UseCaseError(`no adapter for ${target.provider}`);
  return adapter;
}

/**
 * The apply itself, once the caller holds the approval in `applying`: re-reads the group, re-proves the plan it was
 * approved by, applies and verifies it, and tells where the finding is discussed; undefined when refused.
 */
export async function applyClaimed(
  ports: AppPorts,
  asker: Asker,
  fingerprint: string,
  planId: string,
): Promise<ChangeRecord | undefined> {
  const { config, store, notifier, now } = ports;
  const state = await store.findings.get(fingerprint);
  const where = placeFor(asker, state?.message);
  const providers = state ? [state.finding.provider] : configuredProviders(config);
  const filter: ScopeFilter = state ? { regions: [state.finding.region], accounts: [state.finding.account] } : {};
  const result = await readScope(ports, {
    providers,
    filter,
    config: state ? ports.configFor(state.finding, 'apply') : config,
  });

  const refuse = async (reason: Text, outcome: string): Promise<undefined> => {
    await recordTrail(ports, asker.user, 'apply', planId, `refused: ${outcome}`, notifier.textOf(reason));
    const notice = { kind: 'text' as const, text: text`:no_entry: Fix not applied: ${reason}` };
    await notifier.post(where, notice);
    await notifier.whisper(asker, notice);
    return undefined;
  };

  // A button posted by an earlier version carries the finding's legacy fingerprint and plan id.
  const finding = result.report.findings.find((f) => matchesFingerprint(f, fingerprint));
  if (!finding)
    return refuse(
      text`the finding is no longer reported (fixed, suppressed or its scope could not be read); nothing was changed.`,
      'finding gone',
    );
  const proposal = proposeFix(finding, groupOf(result.estate, finding), config, result.estate);
  if ('refused' in proposal)
    return refuse(text`no fix can be proven any more: ${quoted(proposal.refused, 500)}`, 'no plan');
  if (!isPlanId(proposal.plan, finding, planId)) {
    return refuse(
      text`the group changed since plan ${asCode(planId, 80)} was approved (it would now be ${asCode(proposal.plan.id, 80)}); nothing was changed. Run \`/warden audit\` for a new plan.`,
      'plan changed',
    );
  }
  // Under the id it was approved by, so the change record and the approval name the same plan.
  const plan = { ...proposal.plan, id: planId };
  const adapter = result.adapters.find((a) => a.provider === plan.target.provider);
  if (!adapter) throw new UseCaseError(`no adapter for ${plan.target.provider}`);
  const scope = { provider: plan.target.provider, account: plan.target.account, region: plan.target.region };
  const record = await applyPlan({
    adapter,
    normalize: ports.clouds.normalize,
    scope,
    plan,
    store: store.changes,
    actor: asker.actor,
    verify: auditVerifier(config, result.estate),
    now,
  });
  await notifier.post(where, { kind: 'change', record });
  const ok = fixInPlace(record);
  // The finding's own message shows the outcome too: fixed (its buttons go; Revert is in the thread).
  if (ok) {
    // Resolved now, not at the next audit: the group's other findings stand as they were read.
    const sameGroup = (f: Finding) =>
      f.provider === finding.provider &&
      f.account === finding.account &&
      f.region === finding.region &&
      f.groupId === finding.groupId;
    const rest = result.report.findings.filter((f) => sameGroup(f) && f.fingerprint !== finding.fingerprint);
    await store.findings.recordSeen(
      rest,
      now(),
      [{ provider: finding.provider, account: finding.account, region: finding.region, groupId: finding.groupId }],
      result.suppressed.filter((s) => sameGroup(s.finding)),
    );
  }
  if (ok && state?.message) {
    await notifier.update(state.message, {
      kind: 'resolved',
      finding,
      note: `Fixed by Warden after approval: change ${record.changeId}, verified. The thread has the details and the Revert button.`,
    });
  }
  await recordTrail(
    ports,
    asker.user,
    'apply',
    planId,
    ok ? `ok: ${record.status}` : `failed: ${record.status}`,
    record.changeId,
  );
  return record;
}
