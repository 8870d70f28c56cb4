import type { WardenConfig } from '../../config/schema.ts';
import { isPublicInterface } from '../../model/network-interface.ts';
import type { NetworkInterface } from '../../model/network-interface.ts';
import { plural } from '../describe.ts';
import type { Check, CheckContext, FindingDraft } from '../check.ts';
import { findingReach, reachSampleText } from '../finding-reach.ts';
import type { InterfaceCheck, InterfaceDraft } from '../interface-check.ts';
import { interfaceRuleText } from '../interface-describe.ts';
import { evaluateInterface } from '../interface-evaluate.ts';
import type { InterfacePolicy } from '../interface-evaluate.ts';
import { evaluatedPart } from '../interface-rules.ts';
import type { GroupPart } from '../interface-rules.ts';
import type { Finding, SecurityGroup } from '../../model/types.ts';
import { PORT_SECURITY_DISABLED } from '../interface-unfiltered.ts';
import { lowerSeverity } from '../reachability.ts';
import { internetAdminPort } from './internet-admin-port.ts';
import { internetAllPorts } from './internet-all-ports.ts';
import { internetHighRiskPort } from './internet-high-risk-port.ts';
import { noteUnresolved } from './unresolved-peer.ts';

// The group checks' own exposure logic, run on the interface's combined policy: the same ports, the
// same severities (admin critical, high-risk high, every port critical).
const EXPOSURE_CHECKS = [internetAdminPort, internetHighRiskPort, internetAllPorts] as const;

const NO_ESTATE: CheckContext['estate'] = { hasGroup: () => true };

export const interfaceExposedToInternet: InterfaceCheck<'interface-exposed-to-internet'> = {
  meta: {
    id: 'interface-exposed-to-internet',
    title: 'Public interface reachable from the Internet on a risky port',
    severity: 'critical',
    rationale:
      'What decides traffic is the interface: every group bound to it at once, combined by the cloud’s own rule, and only an interface with a public address can be reached from the Internet. This is the exposure as the packet sees it; the severity follows the port (administration ports critical, high-risk ports high, every port critical).',
    source:
      'AWS "Security groups for your VPC" (several groups on one interface: rules aggregated); Alibaba Cloud ECS, "Security group rules" (rules of all groups aggregated and sorted); Huawei Cloud VPC, "Access Control Overview" (groups in bind order)',
    remediation:
      'Fix the deciding rule named in the finding (its group’s own findings carry a proved fix), or remove the public address from interfaces that need none.',
  },
  run({ policy, interfaces, config }) {
    const reachable = interfaces.filter(isPublicInterface);
    if (policy.unfiltered) return unfilteredDrafts(policy, interfaces, config);
    if (reachable.length === 0 || policy.groups.length === 0) return [];
    const reach = findingReach(reachable);
    const unknown = reachable.filter((i) => i.publicAddressesUnknown !== undefined);
    const where = `On ${plural(reach.interfaces, 'public interface')} (${reachSampleText(reach)}${reach.instances > 0 ? `; ${plural(reach.instances, 'instance')}` : ''}).`;
    const unread =
      unknown.length === 0
        ? ''
        : ` The public addresses of ${plural(unknown.length, 'interface')} could not be read (${unknown[0]?.publicAddressesUnknown}): counted as public.`;
    const notes = policy.notes.length === 0 ? '' : ` Note: ${policy.notes.join('; ')}.`;
    return exposureDrafts(policy, config, reachable[0]).map((draft) => ({
      ...draft,
      title: `${draft.title} on a public interface`,
      detail: `${draft.detail} ${where}${unread}${notes}`,
      interfaces: reachable,
    }));
  },
};

/**
 * The port checks' findings on the combined policy, each at the severity the config gives its check; with
 * `first` (an interface of the set), each names the groups that decide it.
 */
function exposureDrafts(policy: InterfacePolicy, config: WardenConfig, first?: NetworkInterface): FindingDraft[] {
  const context: CheckContext = {
    group: policy.policy.group,
    policy: policy.policy,
    config,
    estate: NO_ESTATE,
    describeRule: interfaceRuleText(policy),
  };
  const decidingGroups = first ? decidingGroupsOf(context, policy, first) : undefined;
  // A port check switched off in the config is off on interfaces too, as its severity override holds there.
  return EXPOSURE_CHECKS.filter((c) => !config.checks.disabled.includes(c.meta.id)).flatMap((check) =>
    check.run(context).map((found) => {
      const draft = noteUnresolved(policy.policy, found);
      return {
        ...draft,
        severity: config.checks.severity[check.meta.id] ?? draft.severity ?? check.meta.severity,
        ...(decidingGroups ? { decidingGroups: decidingGroups(check, found) } : {}),
      };
    }),
  );
}

/**
 * The groups whose rules open the port: those the deciding rules come from and, where that is one group,
 * any other group that would open it without that group's rules (a union of allows decides by one rule,
 * but each group's allow exposes the port). Every group of the set when a rule cannot be traced to its
 * group. So a suppression naming one group never hides an exposure another group also makes.
 */
function decidingGroupsOf(context: CheckContext, policy: InterfacePolicy, first: NetworkInterface) {
  const without = new Map<string, InterfacePolicy>();
  const traced = (of: InterfacePolicy, ruleIds: readonly string[]): SecurityGroup[] | undefined => {
    const wanted = new Set(ruleIds);
    const found = new Set<string>();
    const groups = new Map<string, SecurityGroup>();
    for (const part of of.parts) {
      for (const [rule, origin] of part.origins) {
        if (!wanted.has(rule.native.ruleId)) continue;
        found.add(rule.native.ruleId);
        groups.set(origin.group.id, origin.group);
      }
    }
    return found.size === wanted.size ? [...groups.values()] : undefined;
  };
  return (check: Check, draft: FindingDraft): NonNullable<Finding['decidingGroups']> => {
    let deciding = traced(policy, draft.ruleIds) ?? policy.groups;
    const only = deciding.length === 1 && policy.groups.length > 1 ? (deciding[0] as SecurityGroup) : undefined;
    if (only) {
      let rest = without.get(only.id);
      if (!rest) {
        const withoutOnly = policy.groups.map((g) => (g === only ? { ...g, rules: [] } : g));
        rest = evaluateInterface(first, withoutOnly, (g) => partIn(policy, g) ?? evaluatedPart(g));
        without.set(only.id, rest);
      }
      const still = check
        .run({ ...context, group: rest.policy.group, policy: rest.policy })
        .find((d) => d.subject === draft.subject);
      if (still) deciding = [only, ...(traced(rest, still.ruleIds) ?? policy.groups.filter((g) => g !== only))];
    }
    return [...new Map(deciding.map((g) => [g.id, { id: g.id, name: g.name }])).values()];
  };
}

/** The group's own evaluation as the interface's policy holds it. */
function partIn(policy: InterfacePolicy, group: SecurityGroup): GroupPart | undefined {
  const at = policy.groups.indexOf(group);
  return at === -1 ? undefined : policy.parts[at];
}

/**
 * Ports with port security disabled, public and private alike in one finding per exposure (nothing
 * else says they are open): as exposed as a public one among them makes them, else ranked like a
 * group no public interface carries, lowered by `exposure.privateSeverityDrop`.
 */
function unfilteredDrafts(
  policy: InterfacePolicy,
  interfaces: readonly NetworkInterface[],
  config: WardenConfig,
): InterfaceDraft[] {
  const reach = findingReach(interfaces);
  const where = `On ${plural(reach.interfaces, 'interface')} with port security disabled (${reachSampleText(reach)}${reach.instances > 0 ? `; ${plural(reach.instances, 'instance')}` : ''}), ${reach.publicInterfaces === 0 ? 'none' : reach.publicInterfaces} public.`;
  const reason = ` Reason: ${PORT_SECURITY_DISABLED}, so all traffic is allowed in both directions.`;
  const drop = reach.publicInterfaces === 0 ? config.exposure.privateSeverityDrop : 0;
  return exposureDrafts(policy, config).map((draft) => {
    const severity = draft.severity ?? interfaceExposedToInternet.meta.severity;
    const lowered = lowerSeverity(severity, drop);
    const ranked =
      reach.publicInterfaces > 0
        ? ''
        : ` Would be exposed this way once given a public address; every host that can route to them reaches every port${drop === 0 ? '' : `, so ${severity} lowered to ${lowered}`}.`;
    return {
      ...draft,
      // No group's rule decides it (the port setting does): a suppression naming one group never covers it.
      decidingGroups: [],
      severity: lowered,
      title: `${draft.title} on ${reach.publicInterfaces > 0 ? 'a public' : 'a private'} interface with port security disabled`,
      detail: `${draft.detail} ${where}${reason}${ranked}`,
      interfaces,
    };
  });
}
