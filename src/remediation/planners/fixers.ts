import type { CheckId } from '../../model/check-ids.ts';
import { isCheckId } from '../../model/check-ids.ts';
import type { WardenConfig } from '../../config/schema.ts';
import type { Finding, SecurityGroup } from '../../model/types.ts';
import { allPortsFixer } from './all-ports.ts';
import type { LocatedFinding, PlanDraft } from './common.ts';
import { internetPortFixer } from './internet-port.ts';
import { portRangeFixer } from './port-range.ts';
import type { ScopePart } from './scope.ts';
import { shadowedFixer } from './shadowed.ts';
import { templateDriftFixer } from './template.ts';

/** A check's least-privilege fix: the plan, and the part of the policy a plan may change (what its proof holds it to). */
export interface Planner {
  plan(finding: Finding, located: LocatedFinding, group: SecurityGroup, config: WardenConfig): PlanDraft | string;
  scope(located: LocatedFinding, group: SecurityGroup, config: WardenConfig): ScopePart[];
}

/** What Warden does about a check's findings: plan a fix, or say why it plans none. */
export type Fixer = Planner | { none: string };

/**
 * Every check's fix decision, in one place. Keyed by `CheckId`: a check added to the catalog does
 * not typecheck until it has an entry here, and an entry for no check does not either.
 */
export const FIXERS = {
  'internet-admin-port': internetPortFixer,
  'internet-high-risk-port': internetPortFixer,
  'internet-all-ports': allPortsFixer,
  'port-range': portRangeFixer,
  'template-drift': templateDriftFixer,
  'shadowed-rule': shadowedFixer,
  'priority-conflict': {
    none: 'which of the two rules should win is a decision about intent that the rules do not record: give the rule that should win a smaller priority number, or narrow one of them so they no longer overlap',
  },
  'wide-public-cidr': {
    none: 'narrowing a public range needs the addresses that should keep access, which only you know: replace the range by them (or add it to wide.trustedPublicRanges if it is yours)',
  },
  'stale-reference': {
    none: 'the referenced group is gone from the audited estate; whether to recreate it, point the rule elsewhere or delete it is a decision about intent',
  },
  'too-many-rules': {
    none: 'merging rules is a restructuring, not a least-privilege fix: review the shadowed-rule and port-range findings first',
  },
  'unused-group': { none: 'deleting a group is not a rule change; confirm nothing launches into it, then delete it' },
  'egress-all': {
    none: 'narrowing outbound traffic needs the destinations the workload talks to, which the rules do not record',
  },
  'missing-description': { none: 'descriptions are text only you can write; they change no traffic' },
  'interface-exposed-to-internet': {
    none: "the exposure comes through a rule of one of the groups named in the finding: that group's own internet-admin-port / internet-high-risk-port / internet-all-ports finding carries the proved fix (a change to a shared group touches every interface that carries it)",
  },
  'cross-group-override': {
    none: 'which of the two groups should decide is a decision about intent that the rules do not record: remove or narrow the overriding rule, or move the deny to the group that decides first',
  },
  'interface-rule-limit': {
    none: 'bringing an interface within its limits means merging or removing groups on it, a restructuring rather than a rule change',
  },
  'unresolved-peer': {
    none: 'what the list holds is unknown, and the list is shared with other groups: grant Warden read access to it (or put its entries in the snapshot) and audit again, so the findings it carries can be planned',
  },
  'unparseable-rule': {
    none: 'Warden could not read the rule, so it cannot plan a change to it: fix or remove it in the console',
  },
} satisfies Record<CheckId, Fixer>;

/** The fix decision for a finding's check; undefined for an id no check has (a finding stored by an older version). */
export function fixerOf(checkId: string): Fixer | undefined {
  return isCheckId(checkId) ? FIXERS[checkId] : undefined;
}
