import { plural } from '../analysis/describe.ts';
import type { AsffFinding } from './asff.ts';

// BatchImportFindings' documented limits: at most 100 findings a call, each at most 240 KB. A
// finding over the size is trimmed (its lists: resources beyond its groups, rule ids, compliance
// references) and says so; one still over it is not sent.

export const MAX_FINDINGS_PER_CALL = 100;
export const MAX_FINDING_BYTES = 240 * 1024;

export function findingBytes(finding: AsffFinding): number {
  return Buffer.byteLength(JSON.stringify(finding));
}

export interface Fitted {
  finding: AsffFinding;
  /** What was left out to fit (empty when nothing was). */
  trimmed: string[];
}

/** The finding as it fits the size limit, or undefined when it cannot. */
export function fitFinding(finding: AsffFinding, maxBytes = MAX_FINDING_BYTES): Fitted | undefined {
  if (findingBytes(finding) <= maxBytes) return { finding, trimmed: [] };
  const trimmed: string[] = [];
  let fitted: AsffFinding = finding;
  const groups = finding.Resources.filter((r) => r.Type === 'AwsEc2SecurityGroup');
  if (groups.length < finding.Resources.length) {
    trimmed.push(plural(finding.Resources.length - groups.length, 'interface resource'));
    fitted = { ...fitted, Resources: groups };
  }
  if (findingBytes(fitted) > maxBytes && fitted.ProductFields['warden/ruleIds'] !== undefined) {
    const { 'warden/ruleIds': _ruleIds, ...rest } = fitted.ProductFields;
    trimmed.push('rule ids');
    fitted = { ...fitted, ProductFields: rest };
  }
  if (findingBytes(fitted) > maxBytes && fitted.Compliance) {
    const { Compliance: _compliance, ...rest } = fitted;
    trimmed.push('compliance references');
    fitted = rest;
  }
  return findingBytes(fitted) <= maxBytes ? { finding: fitted, trimmed } : undefined;
}

/** Calls of at most `size` findings each, in order. */
export function batchesOf<T>(items: readonly T[], size = MAX_FINDINGS_PER_CALL): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
