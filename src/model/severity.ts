import { SEVERITIES } from './types.ts';
import type { Severity } from './types.ts';

const RANK = new Map(SEVERITIES.map((s, i) => [s, i]));

/** Whether a finding is at or above `min` (critical is the highest). */
export function atOrAbove(severity: Severity, min: Severity): boolean {
  return (RANK.get(severity) ?? 99) <= (RANK.get(min) ?? 99);
}
