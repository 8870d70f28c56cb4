import { compareFindings } from '../analysis/audit.ts';
import type { Severity } from '../model/types.ts';
import { SEVERITIES } from '../model/types.ts';
import type { HomePosture } from '../model/run-history.ts';
import type { StateStore } from '../store/state.ts';
import { scopeKeyOf } from '../store/state.ts';

// The posture the App Home tab shows: the open findings of the newest scheduled run's scopes (from the finding
// store, so a finding resolved or suppressed since shows as it is now) and that run's new and resolved counts.

export const HOME_TOP_FINDINGS = 10;

export async function homePosture(
  store: Pick<StateStore, 'runs' | 'findings'>,
  limit: number = HOME_TOP_FINDINGS,
): Promise<HomePosture> {
  const open = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  // The newest scheduled run (an on-demand audit may have read only part of the estate).
  const [run] = await store.runs.history(1);
  if (!run) return { open, suppressed: 0, top: [] };
  const results = await store.runs.scopeResults(run.runId);
  const states = await store.findings.openIn(results.map((r) => scopeKeyOf(r.scope)));
  const openFindings = states.filter((s) => s.status === 'open').map((s) => s.finding);
  for (const finding of openFindings) open[finding.severity] += 1;
  return {
    lastRun: {
      startedAt: run.startedAt,
      scopes: results.length,
      unread: results.filter((r) => r.scanError !== undefined).length,
      partial: run.partial,
      newCount: run.new,
      resolvedCount: run.resolved,
    },
    open,
    suppressed: states.length - openFindings.length,
    top: openFindings.sort(compareFindings).slice(0, limit),
  };
}
