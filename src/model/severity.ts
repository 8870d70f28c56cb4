import { SEVERITIES } from './types.ts';
import type { Severity } from './types.ts';

const RANK = new Map(SEVERITIES.map((s, i) => [s, i]));

/** Whether a finding is at or above `min` (critical is the highest). */
export function atOrAbove(severity: Severity, min: Severity): boolean {
  return (RANK.get(severity) ?? 99) <= (RANK.get(min) ?? 99);
}

/** A count for every severity, 0 where `counts` has none (or no number). */
export function severityCounts(counts: Readonly<Record<string, unknown>> = {}): Record<Severity, number> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, Number(counts[s] ?? 0) || 0])) as Record<Severity, number>;
}

/** How many of the findings have each severity. */
export function countBySeverity(findings: readonly { severity: Severity }[]): Record<Severity, number> {
  const counts = severityCounts();
  for (const f of findings) counts[f.severity]++;
  return counts;
}
