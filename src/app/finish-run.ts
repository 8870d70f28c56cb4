import type { AuditSummary } from '../analysis/audit.ts';
import { severityCounts } from '../model/severity.ts';
import type { Finding, Severity } from '../model/types.ts';
import type { ScopeResult } from '../store/state.ts';
import type { RunHistoryEntry } from '../model/run-history.ts';
import { safeErrorText } from './error-text.ts';
import type { FindingDelta } from './notice.ts';
import type { AppPorts, ChartPlace } from './ports.ts';
import { historyEntryOf } from './run-history.ts';
import { recordTrail } from './trail.ts';

// The end of a fanned-out run: its digest, from the scopes it recorded, posted once.

/** Posts a run's digest from its recorded scopes, once; false when it was posted already. */
export async function finishRun(
  ports: Pick<AppPorts, 'settings' | 'store' | 'notifier' | 'now' | 'charts'>,
  runId: string,
): Promise<boolean> {
  const { settings, store, notifier, now } = ports;
  const run = await store.runs.get(runId);
  if (!run || !(await store.runs.claimDigest(runId, now()))) return false;
  const results = await store.runs.scopeResults(runId);
  const { summary, delta } = runDigestInput(results);
  const complete = results.length >= run.expected;
  if (!complete) {
    summary.partial = true;
    summary.scanErrors.push({
      provider: 'aws',
      account: '',
      region: '',
      origin: 'live',
      message: `${run.expected - results.length} of ${run.expected} scopes did not report (see the scan dead-letter queue)`,
    });
  }
  const channel = run.channel ?? settings.channel;
  const nothingToSay = delta.totals.new === 0 && delta.totals.resolved === 0 && !summary.partial;
  let digestTs: string | undefined;
  if (channel && !(nothingToSay && run.trigger === 'schedule')) {
    const heldBack = results.reduce((sum, r) => sum + (r.heldBack ?? 0), 0);
    digestTs = await notifier.post(
      { channel },
      { kind: 'digest', summary, delta, ...(heldBack > 0 ? { heldBack } : {}) },
    );
  }
  await recordTrail(
    ports,
    'scheduler',
    'digest',
    runId,
    complete ? 'ok' : `ok: ${results.length} of ${run.expected} scopes`,
    `${summary.findings} findings, ${delta.totals.new} new, ${delta.totals.resolved} resolved${channel ? '' : ', no channel: not posted'}`,
  );
  if (run.trigger === 'schedule') {
    const thread = channel && digestTs ? { channel, threadTs: digestTs } : undefined;
    await keepPosture(ports, historyEntryOf(run, results, summary, delta.totals), thread);
  }
  return true;
}

/**
 * Records a scheduled run in the posture history and asks for its chart in the digest's thread. After the digest, and
 * never throwing: a failure here costs the chart, not the digest (the audit trail says why).
 */
async function keepPosture(
  ports: Pick<AppPorts, 'store' | 'now' | 'charts'>,
  entry: RunHistoryEntry,
  thread: ChartPlace | undefined,
): Promise<void> {
  try {
    await ports.store.runs.recordHistory(entry, ports.now());
    if (thread && ports.charts) await ports.charts.request(thread, entry.runId);
  } catch (error) {
    await recordTrail(ports, 'scheduler', 'posture-chart', entry.runId, `failed: ${safeErrorText(error)}`).catch(
      () => undefined,
    );
  }
}

/** A run's digest input: the scope results summed into one summary, and their new and resolved findings. */
export function runDigestInput(results: readonly ScopeResult[]): {
  summary: AuditSummary;
  delta: FindingDelta & { totals: NonNullable<FindingDelta['totals']> };
} {
  const summary: AuditSummary = {
    groups: 0,
    rules: 0,
    findings: 0,
    bySeverity: severityCounts(),
    byProvider: {},
    byCheck: {},
    scanErrors: [],
    partial: false,
  };
  const delta = {
    new: [] as Finding[],
    resolved: [] as Finding[],
    totals: { new: 0, resolved: 0, newBySeverity: severityCounts() },
  };
  for (const r of results) {
    summary.groups += r.groups;
    summary.rules += r.rules;
    summary.findings += r.findings;
    for (const [severity, n] of Object.entries(r.bySeverity))
      summary.bySeverity[severity as Severity] = (summary.bySeverity[severity as Severity] ?? 0) + n;
    summary.byProvider[r.scope.provider] = (summary.byProvider[r.scope.provider] ?? 0) + r.findings;
    if (r.scanError !== undefined) summary.scanErrors.push({ ...r.scope, origin: 'live', message: r.scanError });
    delta.new.push(...r.new);
    delta.resolved.push(...r.resolved);
    delta.totals.new += r.newCount;
    delta.totals.resolved += r.resolvedCount;
    for (const [severity, n] of Object.entries(r.newBySeverity))
      delta.totals.newBySeverity[severity as Severity] = (delta.totals.newBySeverity[severity as Severity] ?? 0) + n;
  }
  summary.partial = summary.scanErrors.length > 0;
  return { summary, delta };
}
