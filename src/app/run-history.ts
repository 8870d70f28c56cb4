import type { AuditSummary } from '../analysis/audit.ts';
import type { RunHistoryEntry } from '../model/run-history.ts';
import { SEVERITIES } from '../model/types.ts';
import { severityCounts } from '../model/severity.ts';
import type { Run, ScopeResult } from '../store/state.ts';

// A scheduled run's line in the posture history, from what its scopes recorded.

/** Open (not suppressed) and suppressed findings by severity, new and resolved: the counts the digest shows. */
export function historyEntryOf(
  run: Run,
  results: readonly ScopeResult[],
  summary: AuditSummary,
  totals: { new: number; resolved: number },
): RunHistoryEntry {
  const suppressed = severityCounts();
  for (const r of results) for (const s of SEVERITIES) suppressed[s] += r.suppressedBySeverity?.[s] ?? 0;
  const open = severityCounts();
  for (const s of SEVERITIES) open[s] = Math.max(0, (summary.bySeverity[s] ?? 0) - suppressed[s]);
  return {
    runId: run.runId,
    startedAt: run.startedAt,
    open,
    suppressed,
    new: totals.new,
    resolved: totals.resolved,
    partial: summary.partial,
  };
}
