import { CATALOG } from '../analysis/checks/index.ts';
import type { CheckMeta } from '../analysis/check.ts';
import { concerns } from '../analysis/compliance/evaluate.ts';
import { controlsOf, frameworkById } from '../analysis/compliance/index.ts';
import type { ControlRef } from '../analysis/compliance/index.ts';
import { isCheckId } from '../model/check-ids.ts';
import type { Finding } from '../model/types.ts';

// What the OCSF and ASFF renderers say about a finding beyond the finding itself: its check's
// catalog entry, the compliance controls it evidences on its own cloud, and the groups it names.

const META = new Map(CATALOG.map((meta) => [meta.id, meta]));

/** The catalog entry of the finding's check (title, source, remediation). */
export function checkMetaOf(finding: Pick<Finding, 'check'>): CheckMeta | undefined {
  return META.get(finding.check);
}

/** The controls the finding evidences: its check's, for its own cloud, its port and its address family. */
export function findingControls(finding: Finding): ControlRef[] {
  if (!isCheckId(finding.check)) return [];
  return controlsOf(finding.check).filter((ref) => {
    const control = frameworkById(ref.framework)?.controls.find((c) => c.id === ref.control);
    return control !== undefined && concerns(control, finding);
  });
}

/**
 * The groups a finding is about: one for a group finding; each group of the set for a finding on
 * the combined policy of an interface (`sg-1+sg-2`, names `a + b`).
 */
export function findingGroups(finding: Pick<Finding, 'groupId' | 'groupName'>): { id: string; name: string }[] {
  if (finding.groupId === '') return [];
  const ids = finding.groupId.split('+');
  const names = finding.groupName.split(' + ');
  const named = names.length === ids.length;
  return ids.map((id, i) => ({ id, name: named ? (names[i] as string) : '' }));
}
