import { capabilitiesOf, descriptorOf } from '../model/providers/index.ts';
import type { Rule, SecurityGroup } from '../model/types.ts';

export { IMPLICIT_PRIORITY, isImplicit } from '../model/implicit-rules.ts';

/** The rules the cloud applies for this group: enabled listed rules plus the provider's implicit ones (DESIGN.md, "Semantics"). */
export function appliedRules(group: SecurityGroup): Rule[] {
  const listed = group.rules.filter((rule) => rule.enabled);
  return [...listed, ...descriptorOf(group.provider).implicitRules(group)];
}

/** Allow-only APIs (AWS, OTC Neutron): every rule allows, priorities are all equal. */
export function isAllowOnly(group: SecurityGroup): boolean {
  return capabilitiesOf(group).allowOnly;
}
