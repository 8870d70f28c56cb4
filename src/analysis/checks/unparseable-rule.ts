import type { CheckMeta } from '../check.ts';

/** Reported by the audit from the normalizers' unparseable records, not from an evaluated group. */
export const unparseableRuleMeta: CheckMeta<'unparseable-rule'> = {
  id: 'unparseable-rule',
  title: 'Rule could not be read',
  severity: 'high',
  rationale:
    'Raw data the normalizer could not read is assumed to open everything until it is read: the group is never reported clean on the strength of data that was not understood.',
  source: 'Warden: a record the normalizer cannot read is reported, never dropped (README, "Snapshots")',
  remediation:
    'Inspect the raw record in the finding; fix the rule at the provider, or report the shape to Warden if the provider accepts it.',
};
