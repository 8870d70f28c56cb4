import type { RunHistoryEntry } from '../model/run-history.ts';
import { SEVERITIES } from '../model/types.ts';
import type { Severity } from '../model/types.ts';

// The posture over the scheduled runs in words: what the chart shows, for its alt text and for when it cannot be drawn.

/** How many scheduled runs the posture chart covers. */
export const POSTURE_RUNS = 30;

const total = (counts: Record<Severity, number>): number => SEVERITIES.reduce((sum, s) => sum + (counts[s] ?? 0), 0);

/**
 * "Open findings over the last 30 runs: critical 3 → 1, high 12 → 9, …; suppressed 2 → 3; last run: 4 new, 7
 * resolved." (first run → last run; "over the last run" when there is one).
 */
export function postureText(history: readonly RunHistoryEntry[]): string {
  const first = history[0];
  const last = history.at(-1);
  if (!first || !last) return 'No scheduled run has been recorded yet.';
  const runs = history.length === 1 ? 'the last run' : `the last ${history.length} runs`;
  const change = (from: number, to: number): string => (history.length === 1 ? `${to}` : `${from} → ${to}`);
  const bySeverity = SEVERITIES.map((s) => `${s} ${change(first.open[s] ?? 0, last.open[s] ?? 0)}`).join(', ');
  const partial = history.filter((entry) => entry.partial).length;
  return (
    `Open findings over ${runs}: ${bySeverity}; suppressed ${change(total(first.suppressed), total(last.suppressed))}; ` +
    `last run: ${last.new} new, ${last.resolved} resolved.` +
    (partial > 0 ? ` ${partial === 1 ? '1 run was' : `${partial} runs were`} partial (some scopes not read).` : '')
  );
}

/** The open (not suppressed) findings of a run, all severities. */
export const openTotal = (entry: RunHistoryEntry): number => total(entry.open);
/** The suppressed findings of a run, all severities. */
export const suppressedTotal = (entry: RunHistoryEntry): number => total(entry.suppressed);
