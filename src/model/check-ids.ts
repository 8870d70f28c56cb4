// The checks Warden has, by id: what the config, stored state and the fix registry name checks by.
// The checks themselves (metadata and logic) are in src/analysis/checks; its index does not compile
// unless its checks are exactly these ids.

/** Every check id, in catalog order (`warden checks`). Stable: users suppress findings by them. */
export const CHECK_IDS = [
  'internet-admin-port',
  'internet-high-risk-port',
  'internet-all-ports',
  'wide-public-cidr',
  'unresolved-peer',
  'port-range',
  'template-drift',
  'shadowed-rule',
  'priority-conflict',
  'stale-reference',
  'too-many-rules',
  'unused-group',
  'egress-all',
  'missing-description',
  'interface-exposed-to-internet',
  'cross-group-override',
  'interface-rule-limit',
  'unparseable-rule',
] as const;

/** The id of every check Warden has, as a type: records keyed by it must decide for every check. */
export type CheckId = (typeof CHECK_IDS)[number];

const KNOWN_IDS: ReadonlySet<string> = new Set(CHECK_IDS);

/** Whether a check id read from outside (config, stored state, a snapshot) names a check Warden has. */
export function isCheckId(id: string): id is CheckId {
  return KNOWN_IDS.has(id);
}
